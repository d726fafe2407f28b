"""hard's dataset layouts (Sources/HardData/Datasets/*.swift), read the same way: the same files
found in the same order, the same label rules, and errors naming the file.

- `CityscapesDataset`: leftImg8bit/<split>/<city>/*_leftImg8bit.png with gtFine labelTrainIds
  when every image has one, else labelIds mapped to trainIds with the official table;
- `CamVidDataset`: <split>/ + <split>annot/ folders, else the SegNet list file <split>.txt;
  label 11 (Unlabelled) -> 255;
- `CocoStuff10kDataset`: imageLists/<split>.txt, images/<name>.jpg, annotations/<name>_labelTrainIds.png;
- `FolderDataset`: classes.json, [<split>/]images/<stem>.{png,jpg,jpeg} and masks/<stem>.png
  (gray or palette indices, or RGB/RGBA class colours);
- `ImageClassDataset` (kind `imagenet`): <split>/<class>/*.{png,jpg,jpeg}, classes = sorted
  subfolders; each sample resized so its shorter side is `shorter_side`;
- SynthStreets: rendered by `hard render-synth` into a folder (`synthstreets_folder`), then read
  as a `FolderDataset`.

A sample is (image (H, W, 3) uint8, labels (H, W) uint8, 255 = ignore)."""

import json
import os
import shutil
import subprocess

import numpy as np

from .config import ConfigError
from .images import ImageIOError, read_labels, read_rgb
from .transforms import resize_image, swift_round

IGNORE = 255


class DatasetError(ValueError):
    def __init__(self, file, problem):
        super().__init__(f"{file}: {problem}")
        self.file, self.problem = file, problem


# ---------------------------------------------------------------------------------------------
# Files (DatasetFiles.swift)

def join(*parts):
    """DatasetFiles.join: parts joined with "/", empty parts skipped, no doubled "/"."""
    path = ""
    for part in parts:
        if not part:
            continue
        path = path + part if (not path or path.endswith("/")) else path + "/" + part
    return path


def is_folder(p):
    return os.path.isdir(p)


def is_file(p):
    return os.path.exists(p) and not os.path.isdir(p)


def require_folder(p, expected):
    if is_folder(p):
        return
    problem = f"is a file, expected a folder ({expected})" if is_file(p) else f"missing folder ({expected})"
    raise DatasetError(p, problem)


def require_file(p, what):
    if is_file(p):
        return
    raise DatasetError(p, f"is a folder, expected {what}" if is_folder(p) else f"missing {what}")


def entries(folder):
    """Names in a folder, sorted, hidden ones (".") left out; a name that is not UTF-8 is refused."""
    try:
        raw = os.listdir(os.fsencode(folder))
    except OSError as e:
        raise DatasetError(folder, f"cannot list the folder: {e.strerror or e}") from None
    names = []
    for b in raw:
        if b.startswith(b"."):
            continue
        try:
            names.append(b.decode("utf-8"))
        except UnicodeDecodeError:
            escaped = "".join(chr(c) if c < 0x80 else f"\\x{c:02X}" for c in b)
            raise DatasetError(join(folder, escaped), "the file name is not valid UTF-8; hard takes UTF-8 file names only, rename it") from None
    return sorted(names)


def subfolders(folder):
    return [n for n in entries(folder) if is_folder(join(folder, n))]


def lines(path, what):
    """Trimmed non-empty lines with their 1-based numbers."""
    require_file(path, what)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise DatasetError(path, f"cannot read {what}: {e.strerror or e}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise DatasetError(path, f"{what} is not UTF-8 text") from None
    out = []
    for i, line in enumerate(text.splitlines()):
        t = line.strip()
        if t:
            out.append((i + 1, t))
    return out


def has_image_extension(name):
    lower = name.lower()
    return lower.endswith(".png") or lower.endswith(".jpg") or lower.endswith(".jpeg")


def stem(name):
    base = name.split("/")[-1]
    dot = base.rfind(".")
    return base if dot <= 0 else base[:dot]


def _read_image(path):
    try:
        return read_rgb(path)
    except ImageIOError as e:
        raise DatasetError(e.file, e.problem) from None


def _read_labels(path, colors=None):
    try:
        return read_labels(path, colors)
    except ImageIOError as e:
        raise DatasetError(e.file, e.problem) from None


def _check_same_size(image, labels, image_path, label_path):
    if image.shape[:2] != labels.shape:
        raise DatasetError(label_path, f"label map is {labels.shape[1]}x{labels.shape[0]} but its image {image_path} "
                                       f"is {image.shape[1]}x{image.shape[0]}")


def _check_values(labels, classes, label_path):
    if classes >= 255:
        return
    bad = (labels >= classes) & (labels != IGNORE)
    if bad.any():
        y, x = np.argwhere(bad)[0]
        raise DatasetError(label_path, f"label value {labels[y, x]} at pixel (x {x}, y {y}) is not a class "
                                       f"(0...{classes - 1}) nor 255 (ignore)")


def _check_index(index, count, name):
    if index < 0 or index >= count:
        raise DatasetError(name, f"sample {index} is out of range 0..<{count}")


class SegmentationDataset:
    name = ""
    class_names = []
    files = []

    @property
    def classes(self):
        return len(self.class_names)

    def __len__(self):
        return len(self.files)

    @property
    def summary(self):
        return f"{self.name}: {len(self)} images, {self.classes} classes"


# ---------------------------------------------------------------------------------------------
# Cityscapes

CITYSCAPES_CLASSES = ["road", "sidewalk", "building", "wall", "fence", "pole", "traffic light", "traffic sign",
                      "vegetation", "terrain", "sky", "person", "rider", "car", "truck", "bus", "train",
                      "motorcycle", "bicycle"]
_EVALUATED_IDS = [7, 8, 11, 12, 13, 17, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 31, 32, 33]
# labelId -> trainId; 256 marks bytes that are no Cityscapes id (34...254).
TRAIN_ID_OF_LABEL_ID = np.full(256, 256, dtype=np.int32)
TRAIN_ID_OF_LABEL_ID[0:34] = IGNORE
TRAIN_ID_OF_LABEL_ID[255] = IGNORE
for _t, _id in enumerate(_EVALUATED_IDS):
    TRAIN_ID_OF_LABEL_ID[_id] = _t


def train_ids_from_label_ids(labels, file):
    out = TRAIN_ID_OF_LABEL_ID[labels]
    bad = out == 256
    if bad.any():
        y, x = np.argwhere(bad)[0]
        raise DatasetError(file, f"value {labels[y, x]} at pixel (x {x}, y {y}) is not a Cityscapes label id "
                                 "(0...33, or 255 for -1)")
    return out.astype(np.uint8)


class CityscapesDataset(SegmentationDataset):
    class_names = CITYSCAPES_CLASSES

    def __init__(self, root, split):
        image_root = join(root, "leftImg8bit", split)
        label_root = join(root, "gtFine", split)
        require_folder(image_root, f"Cityscapes images leftImg8bit/{split}/<city>/*_leftImg8bit.png")
        require_folder(label_root, f"Cityscapes fine labels gtFine/{split}/<city>/*_gtFine_*.png")
        suffix = "_leftImg8bit.png"
        samples = []
        for city in subfolders(image_root):
            folder = join(image_root, city)
            for f in entries(folder):
                if f.endswith(suffix):
                    samples.append((join(folder, f), join(label_root, city, f[:-len(suffix)] + "_gtFine_")))
        if not samples:
            raise DatasetError(image_root, f"no <city>/*{suffix} images in this folder")

        def first_missing(kind):
            return next((s for s in samples if not is_file(s[1] + kind + ".png")), None)
        if first_missing("labelTrainIds") is None:
            kind = "labelTrainIds"
        elif first_missing("labelIds") is None:
            kind = "labelIds"
        else:
            converted = any(is_file(s[1] + "labelTrainIds.png") for s in samples)
            wanted = "labelTrainIds" if converted else "labelIds"
            s = first_missing(wanted)
            raise DatasetError(s[1] + wanted + ".png", f"missing label file for {s[0]} (every image needs "
                               "*_gtFine_labelTrainIds.png, or else every image needs *_gtFine_labelIds.png)")
        self.root, self.split, self.label_kind = root, split, kind
        self.files = [(img, stem_ + kind + ".png") for img, stem_ in samples]
        self.name = f"Cityscapes {split} (gtFine {kind})"

    def sample(self, index):
        _check_index(index, len(self), self.root)
        image_path, label_path = self.files[index]
        image = _read_image(image_path)
        labels = _read_labels(label_path)
        _check_same_size(image, labels, image_path, label_path)
        if self.label_kind == "labelIds":
            labels = train_ids_from_label_ids(labels, label_path)
        _check_values(labels, self.classes, label_path)
        return image, labels


# ---------------------------------------------------------------------------------------------
# CamVid

CAMVID_CLASSES = ["Sky", "Building", "Pole", "Road", "Pavement", "Tree", "SignSymbol", "Fence", "Car",
                  "Pedestrian", "Bicyclist"]
SEGNET_PREFIX = "/SegNet/CamVid/"


class CamVidDataset(SegmentationDataset):
    class_names = CAMVID_CLASSES
    UNLABELLED = 11

    def __init__(self, root, split):
        image_folder, label_folder = join(root, split), join(root, split + "annot")
        lst = join(root, split + ".txt")
        self.root, self.split = root, split
        if is_folder(image_folder) and is_folder(label_folder):
            self.list_file = None
            self.files = self._folders(image_folder, label_folder)
        elif is_file(lst):
            self.list_file = lst
            self.files = self._list(lst, root)
        else:
            missing = label_folder if is_folder(image_folder) else image_folder
            raise DatasetError(missing, f"missing folder (CamVid needs {split}/ and {split}annot/, or the list file "
                                        f"{split}.txt, under {root})")
        if not self.files:
            raise DatasetError(self.list_file or image_folder, "no images")
        self.name = f"CamVid {split} ({'SegNet folders' if self.list_file is None else split + '.txt'})"

    @staticmethod
    def _folders(image_folder, label_folder):
        out = []
        for f in entries(image_folder):
            if not has_image_extension(f):
                continue
            label = join(label_folder, f)
            if not f.lower().endswith(".png") and not is_file(label):
                label = join(label_folder, stem(f) + ".png")
            require_file(label, f"label file for {join(image_folder, f)}")
            out.append((join(image_folder, f), label))
        return out

    @staticmethod
    def _resolve(path, root):
        if path.startswith(SEGNET_PREFIX):
            return join(root, path[len(SEGNET_PREFIX):])
        if path.startswith("/"):
            return path
        return join(root, path)

    @classmethod
    def _list(cls, lst, root):
        out = []
        for number, text in lines(lst, "CamVid list file"):
            fields = text.replace("\t", " ").split()
            if len(fields) != 2:
                raise DatasetError(lst, f'line {number}: expected "image_path label_path", got "{text}"')
            image, label = cls._resolve(fields[0], root), cls._resolve(fields[1], root)
            require_file(image, f"image listed on line {number} of {lst}")
            require_file(label, f"label file listed on line {number} of {lst}")
            out.append((image, label))
        return out

    def sample(self, index):
        _check_index(index, len(self), self.root)
        image_path, label_path = self.files[index]
        image = _read_image(image_path)
        labels = _read_labels(label_path)
        _check_same_size(image, labels, image_path, label_path)
        labels = np.where(labels == self.UNLABELLED, IGNORE, labels).astype(np.uint8)
        _check_values(labels, self.classes, label_path)
        return image, labels


# ---------------------------------------------------------------------------------------------
# COCO-Stuff-10k

COCOSTUFF_CLASSES = [
    "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat", "traffic light",
    "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog", "horse", "sheep", "cow",
    "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella", "handbag", "tie", "suitcase", "frisbee",
    "skis", "snowboard", "sports ball", "kite", "baseball bat", "baseball glove", "skateboard", "surfboard",
    "tennis racket", "bottle", "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple",
    "sandwich", "orange", "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch",
    "potted plant", "bed", "dining table", "toilet", "tv", "laptop", "mouse", "remote", "keyboard",
    "cell phone", "microwave", "oven", "toaster", "sink", "refrigerator", "book", "clock", "vase", "scissors",
    "teddy bear", "hair drier", "toothbrush", "banner", "blanket", "branch", "bridge", "building-other",
    "bush", "cabinet", "cage", "cardboard", "carpet", "ceiling-other", "ceiling-tile", "cloth", "clothes",
    "clouds", "counter", "cupboard", "curtain", "desk-stuff", "dirt", "door-stuff", "fence", "floor-marble",
    "floor-other", "floor-stone", "floor-tile", "floor-wood", "flower", "fog", "food-other", "fruit",
    "furniture-other", "grass", "gravel", "ground-other", "hill", "house", "leaves", "light", "mat", "metal",
    "mirror-stuff", "moss", "mountain", "mud", "napkin", "net", "paper", "pavement", "pillow", "plant-other",
    "plastic", "platform", "playingfield", "railing", "railroad", "river", "road", "rock", "roof", "rug",
    "salad", "sand", "sea", "shelf", "sky-other", "skyscraper", "snow", "solid-other", "stairs", "stone",
    "straw", "structural-other", "table", "tent", "textile-other", "towel", "tree", "vegetable", "wall-brick",
    "wall-concrete", "wall-other", "wall-panel", "wall-stone", "wall-tile", "wall-wood", "water-other",
    "waterdrops", "window-blind", "window-other", "wood",
]


class CocoStuff10kDataset(SegmentationDataset):
    class_names = COCOSTUFF_CLASSES

    def __init__(self, root, split):
        lst = join(root, "imageLists", split + ".txt")
        require_folder(join(root, "images"), "COCO-Stuff-10k images/<name>.jpg")
        require_folder(join(root, "annotations"), "COCO-Stuff-10k annotations/<name>_labelTrainIds.png")
        files = []
        for number, text in lines(lst, f"COCO-Stuff-10k split list imageLists/{split}.txt"):
            name = text[:-4] if text.lower().endswith(".jpg") else text
            if "/" in name or " " in name:
                raise DatasetError(lst, f'line {number}: expected an image name, got "{text}"')
            image = join(root, "images", name + ".jpg")
            label = join(root, "annotations", name + "_labelTrainIds.png")
            require_file(image, f"image listed on line {number} of {lst}")
            require_file(label, f"label file for {image} (convert the .mat annotations to *_labelTrainIds.png)")
            files.append((image, label))
        if not files:
            raise DatasetError(lst, "lists no images")
        self.root, self.split, self.files = root, split, files
        self.name = f"COCO-Stuff-10k {split} (labelTrainIds)"

    def sample(self, index):
        _check_index(index, len(self), self.root)
        image_path, label_path = self.files[index]
        image = _read_image(image_path)
        labels = _read_labels(label_path)
        _check_same_size(image, labels, image_path, label_path)
        _check_values(labels, self.classes, label_path)
        return image, labels


# ---------------------------------------------------------------------------------------------
# Folder datasets (FolderDataset.swift, FolderClassFile.swift)

def read_class_file(path):
    """classes.json -> (names, colours, ignore colour or None), checked as hard checks it."""
    require_file(path, "class file (classes.json)")
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise DatasetError(path, f"cannot read: {e.strerror or e}") from None
    return parse_class_file(data, path)


def parse_class_file(data, name):
    def fail(problem):
        return DatasetError(name, problem)
    try:
        raw = json.loads(data)
    except (ValueError, UnicodeDecodeError) as e:
        raise fail(f"not valid JSON: {e}") from None
    if not isinstance(raw, dict):
        raise fail("the top level: expected a dictionary")
    if "classes" not in raw:
        raise fail('missing "classes" in the top level (expected {"classes": [{"name": ..., "color": [r, g, b]}, ...]})')
    classes = raw["classes"]
    if not isinstance(classes, list):
        raise fail("classes: expected an array")

    def is_int(v):
        return isinstance(v, int) and not isinstance(v, bool)

    def color(values, at):
        if not isinstance(values, list) or not all(is_int(v) for v in values):
            raise fail(f"{at}: expected an array of integers")
        if len(values) != 3 or not all(0 <= v <= 255 for v in values):
            raise fail(f"{at} must be [r, g, b] with each in 0...255, got {values}")
        return tuple(values)

    entries_ = []
    for i, e in enumerate(classes):
        if not isinstance(e, dict):
            raise fail(f"classes[{i}]: expected a dictionary")
        for k in ("name", "color"):
            if k not in e:
                raise fail(f'missing "{k}" in classes[{i}] (expected {{"classes": [{{"name": ..., "color": [r, g, b]}}, ...]}})')
        if not isinstance(e["name"], str):
            raise fail(f"classes[{i}].name: expected a string")
        if not isinstance(e["color"], list) or not all(is_int(v) for v in e["color"]):
            raise fail(f"classes[{i}].color: expected an array of integers")
        entries_.append((e["name"], e["color"], i))
    if not entries_:
        raise fail('"classes" is empty')
    if len(entries_) > 255:
        raise fail(f"{len(entries_)} classes; at most 255 fit (255 is ignore)")
    names, colors = [], []
    first_name, first_color = {}, {}
    for raw_name, raw_color, i in entries_:
        n = raw_name.strip(" \t")
        if not n:
            raise fail(f"classes[{i}].name is empty")
        if n in first_name:
            raise fail(f'classes[{first_name[n]}] and classes[{i}] are both named "{n}"')
        c = color(raw_color, f"classes[{i}].color")
        if c in first_color:
            raise fail(f"classes[{first_color[c]}] and classes[{i}] have the same colour {list(c)}; RGB masks would be ambiguous")
        first_name[n], first_color[c] = i, i
        names.append(n)
        colors.append(c)
    ignore = None
    if raw.get("ignore_color") is not None:
        ignore = color(raw["ignore_color"], "ignore_color")
        if ignore in first_color:
            raise fail(f"ignore_color {list(ignore)} is also the colour of classes[{first_color[ignore]}]")
    return names, colors, ignore


class FolderDataset(SegmentationDataset):
    def __init__(self, root, split="all"):
        names, colors, ignore = read_class_file(join(root, "classes.json"))
        base = join(root, split)
        if is_folder(join(base, "images")):
            folder = base
        elif split == "all":
            folder = root
        else:
            raise DatasetError(join(base, "images"), f'missing folder (split "{split}" needs {split}/images and '
                               f'{split}/masks; a folder without splits is read as split "all" from images/ and masks/)')
        image_folder, mask_folder = join(folder, "images"), join(folder, "masks")
        require_folder(image_folder, "images/<stem>.png or .jpg")
        require_folder(mask_folder, "masks/<stem>.png, one per image")
        files, image_of_stem = [], {}
        for f in entries(image_folder):
            if not has_image_extension(f):
                continue
            s = stem(f)
            image = join(image_folder, f)
            if s in image_of_stem:
                raise DatasetError(image, f"has the same stem as {image_of_stem[s]}, so masks/{s}.png cannot tell which image it labels")
            image_of_stem[s] = image
            mask = join(mask_folder, s + ".png")
            require_file(mask, f"mask for {image}")
            files.append((image, mask))
        if not files:
            raise DatasetError(image_folder, "no .png, .jpg or .jpeg images")
        table = {c: i for i, c in enumerate(colors)}
        if ignore is not None:
            table[ignore] = IGNORE
        self.root, self.split, self.files = root, split, files
        self.class_names, self.palette, self.ignore_color, self.color_table = names, colors, ignore, table
        self.name = f"folder {root} {split}"

    def sample(self, index):
        _check_index(index, len(self), self.root)
        image_path, mask_path = self.files[index]
        image = _read_image(image_path)
        labels = _read_labels(mask_path, self.color_table)
        _check_same_size(image, labels, image_path, mask_path)
        _check_values(labels, self.classes, mask_path)
        return image, labels


# ---------------------------------------------------------------------------------------------
# Image classes (ClassificationFolderDataset.swift): encoder pretraining

class ImageClassDataset(SegmentationDataset):
    """<root>/<split>/<class>/<image>: classes are the sorted subfolders; files by class, then name.
    A sample is the image with its shorter side resized to `shorter_side` and a placeholder label
    map of zeros; `image_class(i)` is its class."""

    def __init__(self, root, split, shorter_side):
        base = join(root, split)
        require_folder(base, f"one subfolder of images per class, as ImageNet's {split}/<class>/*.JPEG")
        classes = subfolders(base)
        if not classes:
            raise DatasetError(base, f"no class subfolders (expected {split}/<class>/<image>.jpg)")
        files = []
        for label, name in enumerate(classes):
            folder = join(base, name)
            images = [f for f in entries(folder) if has_image_extension(f)]
            if not images:
                raise DatasetError(folder, "class folder without .png/.jpg images")
            files += [(join(folder, f), label) for f in images]
        self.root, self.split, self.class_names, self.shorter_side, self.files = root, split, classes, shorter_side, files
        self.name = f"image classes {root} {split}"

    def image_class(self, index):
        return self.files[index][1]

    def sample(self, index):
        _check_index(index, len(self), self.name)
        image = _read_image(self.files[index][0])
        h, w = image.shape[:2]
        scale = self.shorter_side / min(w, h)
        nw, nh = max(1, swift_round(w * scale)), max(1, swift_round(h * scale))
        image = resize_image(image, nw, nh)
        return image, np.zeros((nh, nw), np.uint8)


# ---------------------------------------------------------------------------------------------
# SynthStreets, rendered by hard

def hard_binary():
    """$HARD_BIN, else <repo>/.build/release/hard, else `hard` on PATH."""
    env = os.environ.get("HARD_BIN")
    if env:
        return env
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    built = os.path.join(repo, ".build", "release", "hard")
    if os.path.isfile(built) and os.access(built, os.X_OK):
        return built
    found = shutil.which("hard")
    if found:
        return found
    raise ConfigError("SynthStreets is rendered by hard (`hard render-synth`), and no hard binary was found: set "
                      "HARD_BIN, build it (`swift build -c release --product hard`), or put `hard` on PATH; or render "
                      "the folder yourself and train with dataset kind folder")


def synth_settings(d) -> dict:
    return {"height": d.synth_height, "seed": d.synth_seed, "train_images": d.synth_train_images,
            "val_images": d.synth_val_images, "width": d.synth_width}


def synth_is_current(folder, d) -> bool:
    """Whether `folder` holds a complete rendering with these settings (its synthstreets.json,
    which `hard render-synth` writes last)."""
    try:
        with open(os.path.join(folder, "synthstreets.json"), encoding="utf-8") as f:
            return json.load(f) == synth_settings(d)
    except (OSError, ValueError):
        return False


def render_synthstreets(folder, d, log=print) -> None:
    """Renders SynthStreets with the config's dataset.synth_* values into `folder` through hard,
    unless it is already there."""
    if synth_is_current(folder, d):
        return
    binary = hard_binary()
    cmd = [binary, "render-synth", "--output", folder, "--train-images", str(d.synth_train_images),
           "--val-images", str(d.synth_val_images), "--width", str(d.synth_width), "--height", str(d.synth_height),
           "--seed", str(d.synth_seed)]
    log(f"rendering SynthStreets into {folder}: {' '.join(cmd)}")
    try:
        result = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    except OSError as e:
        raise ConfigError(f"cannot run {binary}: {e.strerror or e}") from None
    if result.returncode != 0:
        raise ConfigError(f"`{' '.join(cmd)}` failed (exit {result.returncode}): {result.stdout.strip()[-2000:]}")
    if not synth_is_current(folder, d):
        raise ConfigError(f"{binary} render-synth finished but {folder}/synthstreets.json does not hold the settings "
                          f"{synth_settings(d)}; is that binary older than `render-synth`?")


def synthstreets_folder(output):
    return os.path.join(output, "synthstreets")


def make_dataset(d, split, classification_side=224, synth_root=None):
    """The dataset a DatasetConfig names (DatasetFactory.swift). For synthstreets, `synth_root` is
    the rendered folder (see `render_synthstreets`)."""
    d.validate()
    if d.kind == "synthstreets":
        if split not in ("train", "val"):
            raise ConfigError(f"SynthStreets has the splits train and val, not '{split}'")
        if synth_root is None:
            raise ConfigError("SynthStreets needs its rendered folder (render_synthstreets)")
        return FolderDataset(synth_root, split)
    if d.kind == "cityscapes":
        return CityscapesDataset(d.root, split)
    if d.kind == "camvid":
        return CamVidDataset(d.root, split)
    if d.kind == "cocostuff10k":
        return CocoStuff10kDataset(d.root, split)
    if d.kind == "folder":
        return FolderDataset(d.root, split)
    if d.kind == "imagenet":
        return ImageClassDataset(d.root, split, classification_side)
    raise ConfigError(f"unknown dataset kind '{d.kind}'")
