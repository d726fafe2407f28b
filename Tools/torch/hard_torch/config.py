"""hard's training configuration (Sources/HardTrain/TrainConfig.swift), read from the same YAML or
JSON files: the same keys, defaults and checks; an unknown key or a key given twice is an error
naming it. Scalars are converted as hard's YAML reader (Yams) converts them: integers and reals
only from plain (unquoted) scalars, `~`/`null`/empty meaning "absent" (the default), strings from
any scalar."""

import json
import math
import re
from dataclasses import dataclass, field, fields
from typing import Optional

import yaml

from .variants import parse_variant

TASKS = ("segmentation", "classification")
DATASET_KINDS = ("synthstreets", "cityscapes", "camvid", "cocostuff10k", "folder", "imagenet")
INT64_MAX, UINT64_MAX = 2 ** 63 - 1, 2 ** 64 - 1
MAX_DEPTH, MAX_ALIASES = 32, 8     # ConfigTextLimits.swift


class ConfigError(ValueError):
    """A configuration file or value that is not usable, naming the file or key."""


@dataclass
class DatasetConfig:
    kind: str = "synthstreets"
    root: Optional[str] = None
    train_split: str = "train"
    val_split: str = "val"
    synth_train_images: int = 2000
    synth_val_images: int = 100
    synth_width: int = 480
    synth_height: int = 360
    synth_seed: int = 0

    def validate(self):
        if self.kind not in DATASET_KINDS:
            raise ConfigError(f"'dataset.kind': unknown '{self.kind}'; one of {', '.join(DATASET_KINDS)}")
        if self.kind != "synthstreets" and not self.root:
            raise ConfigError(f"'dataset.root': needed for {self.kind}")
        if self.kind == "synthstreets":
            if not (self.synth_train_images > 0 and self.synth_val_images > 0):
                raise ConfigError("'dataset.synth_*_images': must be positive")
            if not (16 <= self.synth_width <= 16384 and 16 <= self.synth_height <= 16384):
                raise ConfigError(f"'dataset.synth_width/height': must be 16...16384, got {self.synth_width}x{self.synth_height}")


@dataclass
class TrainConfig:
    model: str = "hard-xxs"
    dataset: DatasetConfig = field(default_factory=DatasetConfig)
    iterations: int = 30_000
    batch_size: int = 8
    crop_height: int = 360
    crop_width: int = 360
    scale_min: float = 0.5
    scale_max: float = 2.0
    flip: float = 0.5
    photometric: float = 0.2
    lr_start: float = 1e-5
    lr_peak: float = 1e-2
    lr_end: float = 1e-5
    warmup: Optional[int] = None          # None: 6550/30000 of the iterations
    weight_decay: float = 1e-4
    aux_weight: float = 0.3
    val_interval: int = 1000
    val_images: Optional[int] = None      # None: the whole validation set
    checkpoint_interval: int = 500
    log_interval: int = 10
    seed: int = 0
    output: str = "runs/train"
    loader_workers: int = 1
    task: str = "segmentation"
    init_from: Optional[str] = None

    @property
    def warmup_iterations(self) -> int:
        if self.warmup is not None:
            return self.warmup
        return swift_round(self.iterations * 6550 / 30000)

    @property
    def variant(self) -> str:
        return parse_variant(self.model)

    def validate(self):
        try:
            parse_variant(self.model)
        except ValueError:
            raise ConfigError(f"'model': unknown model '{self.model}'; one of hard-gpu, hard-s, hard-xs, hard-xxs, hard-edge") from None

        def need(ok, key, what):
            if not ok:
                raise ConfigError(f"'{key}': {what}")
        need(self.iterations > 0, "iterations", "must be positive")
        need(self.batch_size > 0, "batch_size", "must be positive")
        need(self.crop_height >= 16 and self.crop_width >= 16, "crop_height/crop_width", "must be at least 16")
        need(0 < self.scale_min <= self.scale_max, "scale_min/scale_max", "need 0 < scale_min <= scale_max")
        need(0 <= self.flip <= 1, "flip", "is a probability in [0, 1]")
        need(0 <= self.photometric < 1, "photometric", "must be in [0, 1)")
        need(self.lr_start > 0 and self.lr_peak > 0 and self.lr_end > 0, "lr_*", "learning rates must be positive")
        need(0 <= self.warmup_iterations <= self.iterations, "warmup", "must be between 0 and iterations")
        need(self.weight_decay >= 0 and self.aux_weight >= 0, "weight_decay/aux_weight", "must not be negative")
        need(self.val_interval > 0 and self.checkpoint_interval > 0 and self.log_interval > 0, "*_interval",
             "intervals must be positive")
        if self.val_images is not None:
            need(self.val_images >= 1, "val_images",
                 f"must be at least 1 (leave it out for the whole validation set), got {self.val_images}")
        need(self.crop_height <= 16384 and self.crop_width <= 16384, "crop_height/crop_width", "must be at most 16384")
        need(1 <= self.loader_workers <= 16, "loader_workers", "must be 1...16")
        if self.task not in TASKS:
            raise ConfigError(f"'task': unknown '{self.task}'; one of {', '.join(TASKS)}")
        if self.init_from is not None:
            need(self.init_from != "", "init_from", "must name a checkpoint")
        self.dataset.validate()
        if self.task == "classification" and self.dataset.kind != "imagenet":
            raise ConfigError("'task': classification trains on an image-class folder; set 'dataset.kind' to imagenet "
                              "(root/<split>/<class>/*.jpg)")
        if self.task == "segmentation" and self.dataset.kind == "imagenet":
            raise ConfigError("'dataset.kind': imagenet has a class per image, not per pixel; set 'task: classification' "
                              "to pretrain an encoder on it")

    def to_json(self) -> str:
        """The JSON hard's JSONEncoder writes (sorted keys, absent optionals left out): the
        `config` metadata of a training state, decodable by both sides."""
        return json.dumps(to_dict(self), sort_keys=True, separators=(",", ":"))


def to_dict(config) -> dict:
    out = {}
    for f in fields(config):
        v = getattr(config, f.name)
        if v is None:
            continue
        out[f.name] = to_dict(v) if isinstance(v, DatasetConfig) else v
    return out


def swift_round(x: float) -> int:
    """Swift's `.rounded()`: to nearest, halves away from zero."""
    f = math.floor(x)
    d = x - f
    if d > 0.5 or (d == 0.5 and x > 0):
        return int(f) + 1
    return int(f)


# ---------------------------------------------------------------------------------------------
# Reading

INT_FIELDS = {"iterations", "batch_size", "crop_height", "crop_width", "warmup", "val_interval", "val_images",
              "checkpoint_interval", "log_interval", "loader_workers",
              "synth_train_images", "synth_val_images", "synth_width", "synth_height"}
UINT_FIELDS = {"seed", "synth_seed"}
FLOAT_FIELDS = {"scale_min", "scale_max", "flip", "photometric", "lr_start", "lr_peak", "lr_end", "weight_decay",
                "aux_weight"}
STRING_FIELDS = {"model", "output", "task", "init_from", "kind", "root", "train_split", "val_split"}
TOP_KEYS = [f.name for f in fields(TrainConfig)]
DATASET_KEYS = [f.name for f in fields(DatasetConfig)]

NULLS = ("", "~", "null", "Null", "NULL")
INFS = {".inf": math.inf, ".Inf": math.inf, ".INF": math.inf, "+.inf": math.inf, "+.Inf": math.inf,
        "+.INF": math.inf, "-.inf": -math.inf, "-.Inf": -math.inf, "-.INF": -math.inf,
        ".nan": math.nan, ".NaN": math.nan, ".NAN": math.nan}
_SWIFT_INT = re.compile(r"[+-]?[0-9]+\Z")
_SWIFT_DOUBLE = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?"
                           r"|0[xX][0-9a-fA-F]+(?:\.[0-9a-fA-F]*)?(?:[pP][+-]?[0-9]+)?|inf|infinity|nan)\Z", re.IGNORECASE)


def _sexagesimal(text: str, parse):
    negative = text.startswith("-")
    body = text[1:] if text[:1] in "+-" else text
    value, base = 0, 1
    for group in reversed(body.split(":")):
        v = parse(group)
        if v is None:
            continue
        value += v * base
        base *= 60
    return -value if negative else value


def _yaml_int(node, unsigned=False):
    """Yams' FixedWidthInteger construction; None where it gives none."""
    if node.style not in (None, ""):
        return None
    text = node.value.replace("_", "")
    if text == "0":
        return 0
    negative = text.startswith("-")
    if unsigned and negative:
        return None
    body = text[1:] if (negative or text.startswith("+")) else text
    for prefix, radix in (("0x", 16), ("0b", 2), ("0o", 8), ("0", 8)):
        if body.startswith(prefix):
            digits = body[len(prefix):]
            if not digits or not re.fullmatch(r"[+-]?[0-9a-zA-Z]+", digits):
                return None
            try:
                v = int(("-" if negative else "") + digits, radix)
            except ValueError:
                return None
            return v
    if ":" in body:
        return _sexagesimal(text, lambda g: int(g) if _SWIFT_INT.match(g) else None)
    return int(text) if _SWIFT_INT.match(text) else None


def _yaml_float(node):
    if node.style not in (None, ""):
        return None
    if node.value in INFS:
        return INFS[node.value]
    text = node.value.replace("_", "")
    if ":" in text:
        return float(_sexagesimal(text, lambda g: float(g) if _SWIFT_DOUBLE.match(g) else None))
    if not _SWIFT_DOUBLE.match(text):
        return None
    if text.lower().lstrip("+-").startswith("0x"):
        sign = -1.0 if text.startswith("-") else 1.0
        return sign * float.fromhex(text.lstrip("+-"))
    return float(text)


def _expected(name):
    if name in INT_FIELDS or name in UINT_FIELDS:
        return "Int" if name in INT_FIELDS else "UInt64"
    if name in FLOAT_FIELDS:
        return "Double"
    return "String"


def _convert_yaml(name, node, path):
    """One field's value from its YAML node; None: absent (the default)."""
    if isinstance(node, yaml.ScalarNode) and node.value in NULLS:
        return None
    key = path
    if not isinstance(node, yaml.ScalarNode):
        raise ConfigError(f"'{key}': Expected to decode {_expected(name)} but found a {'mapping' if isinstance(node, yaml.MappingNode) else 'sequence'} instead.")
    if name in INT_FIELDS or name in UINT_FIELDS:
        v = _yaml_int(node, unsigned=name in UINT_FIELDS)
        limit_ok = v is not None and (0 <= v <= UINT64_MAX if name in UINT_FIELDS else -INT64_MAX - 1 <= v <= INT64_MAX)
        if not limit_ok:
            raise ConfigError(f"'{key}': Expected to decode {_expected(name)} but found '{node.value}' instead.")
        return v
    if name in FLOAT_FIELDS:
        v = _yaml_float(node)
        if v is None:
            raise ConfigError(f"'{key}': Expected to decode Double but found '{node.value}' instead.")
        return v
    return node.value


def _convert_json(name, value, path):
    if value is None:
        return None
    if name in INT_FIELDS or name in UINT_FIELDS:
        ok = isinstance(value, int) and not isinstance(value, bool)
        if ok:
            ok = 0 <= value <= UINT64_MAX if name in UINT_FIELDS else -INT64_MAX - 1 <= value <= INT64_MAX
        if not ok:
            raise ConfigError(f"'{path}': Expected to decode {_expected(name)} but found {json.dumps(value)} instead.")
        return value
    if name in FLOAT_FIELDS:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"'{path}': Expected to decode Double but found {json.dumps(value)} instead.")
        return float(value)
    if not isinstance(value, str):
        raise ConfigError(f"'{path}': Expected to decode String but found {json.dumps(value)} instead.")
    return value


def check_text_limits(text: str):
    """ConfigTextLimits.swift: nesting and alias limits, one pass over the bytes."""
    b = text.encode("utf-8")
    line, flow, indent, leading, indicators, aliases, i = 1, 0, 0, True, 0, 0, 0
    blank = b" \t\r\n"
    while i < len(b):
        c = b[i:i + 1]
        if c == b"\n":
            line += 1
            indent, leading, indicators = 0, True, 0
            i += 1
            continue
        if c == b" ":
            if leading:
                indent += 1
            i += 1
            continue
        if c == b"#" and (i == 0 or b[i - 1:i] in (b" ", b"\t", b"\r", b"\n")):
            while i < len(b) and b[i:i + 1] != b"\n":
                i += 1
            continue
        if c in (b"[", b"{"):
            flow += 1
        elif c in (b"]", b"}"):
            flow = max(0, flow - 1)
        elif c in (b"-", b"?", b":"):
            if i + 1 == len(b) or b[i + 1] in blank:
                indicators += 1
        elif c == b"*":
            aliases += 1
            if aliases > MAX_ALIASES:
                raise ConfigError(f"line {line}: more than {MAX_ALIASES} aliases (*name); a configuration needs few, "
                                  "and aliases of aliases can expand a small file without bound")
        leading = False
        if 2 * flow + indent + indicators + 2 > MAX_DEPTH:
            raise ConfigError(f"line {line}: nested deeper than {MAX_DEPTH} levels; a configuration is two levels deep")
        i += 1


def _check_duplicates(node, path=""):
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                raise ConfigError(f"line {key.start_mark.line + 1}: a key must be a name, not a "
                                  f"{'mapping' if isinstance(key, yaml.MappingNode) else 'list'}")
            full = f"{path}.{key.value}" if path else key.value
            if key.value in seen:
                raise ConfigError(f"key '{full}' appears twice (again on line {key.start_mark.line + 1}); keep one")
            seen.add(key.value)
            _check_duplicates(value, full)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _check_duplicates(item, f"{path}[{i}]")


def _mapping_items(node):
    if isinstance(node, yaml.MappingNode):
        return [(k.value, v) for k, v in node.value]
    return None


def _from_yaml_node(root) -> TrainConfig:
    c = TrainConfig()
    if root is None or (isinstance(root, yaml.ScalarNode) and root.value in NULLS):
        return c
    items = _mapping_items(root)
    if items is None:
        raise ConfigError("the top level must be a mapping")
    for k, _ in sorted(items):
        if k not in TOP_KEYS:
            raise ConfigError(f"unknown key '{k}'")
    for k, v in items:
        if k == "dataset":
            if isinstance(v, yaml.ScalarNode) and v.value in NULLS:
                continue
            ds = _mapping_items(v)
            if ds is None:
                raise ConfigError("'dataset': Expected to decode Dictionary<String, Any> but found a scalar instead.")
            for dk, _ in sorted(ds):
                if dk not in DATASET_KEYS:
                    raise ConfigError(f"unknown key 'dataset.{dk}'")
            for dk, dv in ds:
                value = _convert_yaml(dk, dv, f"dataset.{dk}")
                if value is not None:
                    setattr(c.dataset, dk, value)
        else:
            value = _convert_yaml(k, v, k)
            if value is not None:
                setattr(c, k, value)
    return c


def _from_json_object(obj) -> TrainConfig:
    c = TrainConfig()
    if not isinstance(obj, dict):
        raise ConfigError("the top level must be a mapping")
    for k in sorted(obj):
        if k not in TOP_KEYS:
            raise ConfigError(f"unknown key '{k}'")
    for k, v in obj.items():
        if k == "dataset":
            if v is None:
                continue
            if not isinstance(v, dict):
                raise ConfigError(f"'dataset': Expected to decode Dictionary<String, Any> but found {json.dumps(v)} instead.")
            for dk in sorted(v):
                if dk not in DATASET_KEYS:
                    raise ConfigError(f"unknown key 'dataset.{dk}'")
            for dk, dv in v.items():
                value = _convert_json(dk, dv, f"dataset.{dk}")
                if value is not None:
                    setattr(c.dataset, dk, value)
        else:
            value = _convert_json(k, v, k)
            if value is not None:
                setattr(c, k, value)
    return c


def _json_pairs(pairs):
    seen = set()
    for k, _ in pairs:
        if k in seen:
            raise ConfigError(f"key '{k}' appears twice; keep one")
        seen.add(k)
    return dict(pairs)


def parse(data: bytes, path: str) -> TrainConfig:
    """A configuration from the bytes of a file: JSON when `path` ends in .json, else YAML.
    Errors are ConfigError("<path>: <what, naming the key>")."""
    try:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise ConfigError("not UTF-8 text") from None
        check_text_limits(text)
        is_json = path.endswith(".json")
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError as e:
            if not is_json:
                raise ConfigError(f"not valid YAML ({str(e).splitlines()[0] if str(e) else e})") from None
            node = None
        if node is not None:
            _check_duplicates(node)
        if is_json:
            try:
                obj = json.loads(text, object_pairs_hook=_json_pairs)
            except json.JSONDecodeError as e:
                raise ConfigError(f"not valid JSON ({e})") from None
            config = _from_json_object(obj)
        else:
            config = _from_yaml_node(node)
        config.validate()
        return config
    except ConfigError as e:
        raise ConfigError(f"{path}: {e}") from None


def load(path: str) -> TrainConfig:
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise ConfigError(f"{path}: cannot read: {e.strerror or e}") from None
    return parse(data, path)


def from_json(text: str) -> TrainConfig:
    """The `config` metadata of a training state (either side wrote it)."""
    return _from_json_object(json.loads(text))
