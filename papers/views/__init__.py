"""Views of the papers app, one module per concern: listings, discussion, people, submissions, moderation.

The request helpers they share (the typed request, where to come back to, login and refusals) are in `.http`.
"""
