"""Words and templates of the synthetic corpus: names, themes, keywords, title and abstract sentences."""


def _words(text: str) -> list[str]:
    return text.split()


FIRST_NAMES = _words(
    """
Wei Jing Yu Xin Hao Yang Lei Jun Min Hui Chen Tao Bo Jie Lin Yan Ming Qi Zhen Rui Kai Xiao Feng Yi Hyun
Ji Soo Sung Hiroshi Yuki Takashi Kenji Aiko Haruto Priya Rahul Arjun Ananya Vikram Sanjay Deepak Amit
Neha Rohan Ishaan Kavya John Michael David James Robert William Thomas Daniel Matthew Andrew Sarah Emily
Laura Anna Maria Julia Sophie Emma Olivia Lucas Leon Felix Jonas Paul Max Elena Sofia Giulia Marco Luca
Matteo Alessandro Pierre Nicolas Julien Camille Antoine Mathieu Ivan Dmitry Alexey Sergey Olga Natalia
Ahmed Omar Ali Fatima Yusuf Mehmet Emre Ayse Carlos Diego Juan Pablo Lucia Ana Miguel Rafael Tiago Joao
Pedro Sven Lars Erik Ingrid Anders Mikko Jan Piotr Katarzyna Tomas Eva Noah Ethan Chloe Grace Hannah
Kevin
"""
)
LAST_NAMES = _words(
    """
Zhang Wang Li Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Lin Gao Luo Zheng Liang Xie Song
Tang Han Feng Deng Cao Peng Zeng Xiao Tian Dong Pan Yuan Cai Jiang Yu Du Ye Cheng Wei Su Lu Ding Shen
Kim Lee Park Choi Jung Kang Cho Yoon Jang Lim Tanaka Suzuki Takahashi Watanabe Ito Yamamoto Nakamura
Kobayashi Sato Sharma Gupta Singh Kumar Patel Reddy Iyer Nair Rao Mehta Joshi Shah Smith Johnson Brown
Jones Miller Davis Wilson Anderson Taylor Moore Martin Thompson White Harris Clark Lewis Walker Hall
Allen Young King Wright Scott Green Baker Adams Nelson Carter Mitchell Roberts Turner Phillips Campbell
Parker Evans Edwards Collins Stewart Morris Murphy Cook Rogers Morgan Cooper Peterson Reed Bailey Bell
Kelly Howard Ward Cox Mueller Schmidt Schneider Fischer Weber Meyer Wagner Becker Hoffmann Schulz Koch
Richter Klein Wolf Rossi Russo Ferrari Esposito Bianchi Romano Colombo Bernard Dubois Durand Lefebvre
Moreau Laurent Simon Michel Garcia Rodriguez Martinez Lopez Gonzalez Hernandez Perez Sanchez Ramirez
Torres Flores Silva Santos Oliveira Costa Pereira Ivanov Petrov Smirnov Popov Kuznetsov Novak Kowalski
Nowak Jensen Hansen Nielsen Larsen Andersen Johansson Karlsson Nilsson Virtanen Korhonen Yilmaz Kaya
Demir Hassan Hussein Ibrahim Khan Ahmed
"""
)
INITIALS = [""] + [f" {letter}." for letter in "ABCDEFGHJKLMNPRSTVWXYZ"]

# Title and abstract vocabulary. The first words of each list are the most frequent.
# Themes of abstracts and titles, with weights: where "diffusion", "language", "agents" and
# "reinforcement" come from, so that each is in about as many papers as in the recorded days.
THEMES = {
    "large language models": 6,
    "vision-language models": 3,
    "multimodal large language models": 4,
    "language model agents": 4,
    "reinforcement learning": 3,
    "reasoning models": 4,
    "diffusion models": 3,
    "text-to-image generation": 3,
    "code generation": 3,
    "mathematical reasoning": 3,
    "retrieval-augmented generation": 3,
    "video generation": 2,
    "video diffusion models": 1,
    "mixture of experts": 2,
    "world models": 2,
    "embodied agents": 2,
    "preference optimization": 2,
    "flow matching": 2,
    "3D reconstruction": 2,
    "robot manipulation": 2,
    "video understanding": 2,
    "image editing": 2,
    "tool-using agents": 2,
    "speech recognition": 1,
    "autonomous driving": 1,
    "long-context modeling": 1,
    "small language models": 1,
    "diffusion transformers": 1,
    "graph neural networks": 1,
    "protein structure prediction": 1,
    "web agents": 1,
    "time series forecasting": 1,
    "medical image segmentation": 1,
    "recommender systems": 1,
}
# The most frequent keywords, in order; the rest of the vocabulary is a long tail of combinations.
KEYWORD_HEAD = [
    "state-of-the-art performance",
    "fine-tuning",
    "large language models",
    "zero-shot generalization",
    "foundation models",
    "supervised fine-tuning",
    "reinforcement learning",
    "multimodal large language models",
    "chain-of-thought",
    "vision-language models",
    "diffusion models",
    "LLM agents",
    "GRPO",
    "flow matching",
    "mixture of experts",
    "retrieval-augmented generation",
    "text-to-image generation",
    "in-context learning",
    "knowledge distillation",
    "LoRA",
    "world models",
    "video generation",
    "preference optimization",
    "embodied agents",
    "3D reconstruction",
    "code generation",
    "mathematical reasoning",
    "sparse attention",
    "variational autoencoder",
    "cross-attention",
]
ADJECTIVES = _words(
    """
efficient scalable robust unified adaptive novel simple effective lightweight interpretable sparse dense
latent autoregressive contrastive self-supervised zero-shot few-shot open-source long-horizon
fine-grained controllable compositional causal probabilistic differentiable modular recurrent parallel
distributed federated continual online offline hybrid dynamic spatial temporal semantic structured
implicit explicit generative hierarchical visual textual cross-lingual low-resource
high-resolution real-time training-free data-efficient memory-efficient verifiable faithful grounded
aligned safe private secure uncertainty-aware reward-guided physics-informed task-agnostic
general-purpose domain-specific open-ended agentic multilingual multimodal
"""
)
# Most noun slots take a generic word; a few take a topical one, so each topic word stays rarer.
GENERIC_NOUNS = _words(
    """
model method approach framework performance results data training tasks experiments baselines accuracy
efficiency analysis setting problem quality capabilities architecture parameters features objective
loss inference scale robustness generalization study design pipeline module components models methods
datasets evaluation improvements trade-off limitations behavior signals supervision
strategy mechanism representations outputs inputs predictions errors gains insights properties
"""
)
TOPICAL_NOUNS = _words(
    """
video image reasoning vision code alignment attention reward policy context prompt memory planning tool
search safety speech robot audio scene motion generation feedback instruction preference transformer
embedding tokens decoding sampling pretraining hallucination grounding perception geometry graph
mathematics editing synthesis dialogue translation summarization retrieval detection segmentation
navigation manipulation trajectory environment simulation exploration imitation demonstration skills
actions observations tracking rendering captioning recommendation forecasting protein molecule music
distillation compression sparsity experts adapters curriculum calibration uncertainty verification
interpretability fairness privacy denoising tokenization routing caching layers neurons circuits probes
latency hardware kernels pruning quantization watermarking
"""
)
VERBS = _words(
    """
improves enables reduces outperforms accelerates stabilizes unifies extends simplifies generalizes
matches surpasses mitigates recovers leverages combines exploits captures preserves aligns
"""
)
VERBINGS = _words(
    """
Scaling Rethinking Revisiting Unlocking Bridging Learning Training Aligning Teaching Grounding Steering
Compressing Distilling Benchmarking Evaluating Understanding Improving Accelerating Democratizing Taming
"""
)
METRICS = _words(
    """
accuracy F1 BLEU FID CLIPScore pass@1 win-rate success-rate NDCG@10 mAP PSNR SSIM perplexity throughput
"""
)
# Rare words: each appears in roughly one abstract in a thousand.
RARE_WORDS = _words(
    """
bathymetry palimpsest zeolite holonomic tessellation cartography phonotactics lichen isotopic hydrology
seismograph glaciology archaeology viticulture ornithology stenography calligraphy numismatics heraldry
"""
)
TOPIC_HEADS = _words(
    """
models learning estimation alignment attention transformers tokenization distillation quantization
decoding planning memory segmentation detection editing synthesis understanding evaluation optimization
adaptation navigation manipulation reconstruction representation pretraining fine-tuning inference
sampling compression pruning tracking captioning control matching calibration modeling prediction
classification localization completion rendering
"""
)
ORG_PREFIXES = _words(
    """
Northwind Bluefin Redwood Silverline Greenfield Ironbridge Lakeside Brightpath Deepwater Highland
Stonegate Clearview Summit Horizon Meridian Polaris Aurora Cascade Evergreen Granite Harbor Keystone
Lighthouse Maple Nimbus Orion Pioneer Quantum Riverside Sequoia Skyline Solstice Tidewater Vanguard
Zenith Atlas Beacon Cedar Delta Ember Falcon Glacier Helix Indigo Juniper Kestrel Lumen Monarch Nova
"""
)
ORG_SUFFIXES = ["AI", "Research", "Labs", "University", "Institute", "Intelligence", "Group"]
SUMMARY_MODELS = ["Qwen/Qwen3-32B", "meta-llama/Llama-3.3-70B-Instruct"]

TITLE_TEMPLATES = [
    "{acronym}: {Adj} {Noun} {Noun} for {Adj} {Noun}",
    "{Verbing} {Adj} {Noun} with {Noun} {Noun}",
    "Towards {Adj} {Phrase} via {Noun} {Noun}",
    "{Noun} {Noun} Is All You Need for {Phrase}",
    "When {Noun} Meets {Noun}: {Adj} {Noun} for {Phrase}",
    "{acronym}: {Verbing} {Phrase} through {Adj} {Noun}",
    "{Adj} {Noun} {Noun} in {Phrase}",
    "On the {Noun} of {Adj} {Phrase}",
    "{acronym}: A {Adj} Benchmark for {Phrase}",
    "{Verbing} {Phrase} at Scale",
    "{acronym}: {Verbing} {Adj} {Phrase} with {Adj} {Noun} and {Noun} {Noun}",
    "{Adj} {Noun} Makes {Phrase} Better at {Adj} {Noun} {Noun}",
    "Do {Phrase} Really Need {Adj} {Noun}? A Study of {Noun} {Noun} in {Adj} {Noun}",
    "{acronym}: Learning {Adj} {Noun} {Noun} from {Adj} {Noun} for {Phrase}",
]
SENTENCE_TEMPLATES = [
    "Recent advances in {phrase} have shown remarkable {noun} in {noun} and {noun}.",
    "However, existing {noun} methods remain {adj} and struggle with {adj} {noun} {noun}.",
    "We introduce {acronym}, a {adj} {noun} framework that {verb} {phrase} with {adj} {noun}.",
    "Our approach {verb} {noun} {noun} by combining {adj} {noun} with {adj} {noun}.",
    "Specifically, we design a {adj} {noun} module that {verb} the {noun} of {phrase}.",
    "We further propose a {adj} {noun} objective based on {noun} {noun} and {noun}.",
    "Experiments on {n} benchmarks show that {acronym} {verb} strong baselines by {pct}% in {metric}.",
    "Compared with prior {phrase}, our model {verb} {noun} while using {n}x fewer {noun}.",
    "We release the code, the {noun} and a {adj} dataset of {k}K {noun} examples.",
    "Extensive ablations reveal that {adj} {noun} is critical for {adj} {noun} {noun}.",
    "These results suggest that {phrase} can benefit from {adj} {noun} {noun}.",
    "In particular, {acronym} achieves {pct}% {metric} on {adj} {noun} tasks.",
    "We analyse why {adj} {noun} fails and show how {noun} {noun} {verb} {noun}.",
    "To this end, we train {phrase} with {adj} {noun} feedback and {adj} {noun}.",
    "Our findings highlight the role of {noun} in {adj} {phrase}.",
]
SUMMARY_TEMPLATE = "{acronym} {verb} {phrase} using {adj} {noun} {noun}, achieving better {metric} on {noun} tasks."
