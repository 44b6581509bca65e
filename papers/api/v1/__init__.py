"""The community API at /api/v1/: each module is a router for one part of what a member does."""

from __future__ import annotations

from ninja import Router

router = Router()

from . import papers  # noqa: E402 - each module adds its routes to `router`
from .following import router as following_router  # noqa: E402
from .me import router as me_router  # noqa: E402

router.add_router("", papers.router)

from . import discussion, votes  # noqa: E402

router.add_router("", discussion.router)
router.add_router("", votes.router)
router.add_router("", following_router)
router.add_router("", me_router)

# submit adds POST /papers to papers.router and members PATCH /me to me.router: ninja answers a path from one router.
from . import members, submit  # noqa: E402, F401

router.add_router("", members.router)
