"""Train a HARD variant with PyTorch: hard's recipe, configs, dataset layouts and files (docs/torch.md).

    python -m hard_torch.train --config configs/cityscapes-xxs.yaml [--iterations N] [--batch-size B]
        [--output DIR] [--resume] [--init-from CKPT] [--task classification] [--amp | --no-amp]
    torchrun --nproc_per_node=N [--nnodes M ...] -m hard_torch.train --config ...

The recipe is Sources/HardTrain/Trainer.swift's: AdamW (weight decay on every parameter), linear
warm-up then cosine, CE with ignore index 255 plus aux_weight x the auxiliary CEs (HARD-GPU), the
same augmentation and normalisation, and batch k built from stream positions k*B ... (k+1)*B - 1
with hard's generators, so batch k is a pure function of (seed, k) and a resumed run sees the
batches an unbroken one would. Under torchrun the global batch is batch_size, split evenly over
the ranks (rank r takes positions k*B + r*B/W ...), the loss is normalised by the valid pixels of
the whole global batch, and BatchNorm is synchronised, so W ranks compute the step one process
would with the whole batch. Files (rank 0): train.jsonl, checkpoint.safetensors (hard's training
state: `hard train --resume` continues it), last/best.safetensors + .json (hard checkpoints)."""

import argparse
import fcntl
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F

from . import config as config_mod
from . import datasets, training_state, transfer
from .blocks import enable_sync_batch_norm
from .checkpoint import CLASS_RANGES, build, save_checkpoint
from .config import ConfigError
from .optim import AdamW, WarmupCosineSchedule
from .safetensors_io import write_atomically
from .transforms import Augmentation, crop, dataset_index, normalize, sample_rng

IGNORE = 255
WRITTEN = ("checkpoint.safetensors", "best.safetensors", "best.json", "last.safetensors", "last.json", "train.jsonl")


# ---------------------------------------------------------------------------------------------
# Command line

def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m hard_torch.train", description=__doc__.split("\n\n")[0])
    p.add_argument("--config", help="YAML or JSON configuration file, as `hard train --config` (flags below override it)")
    p.add_argument("--model", help="hard-gpu, hard-s, hard-xs, hard-xxs, hard-edge")
    p.add_argument("--dataset", help="synthstreets, cityscapes, camvid, cocostuff10k, folder; imagenet (classification)")
    p.add_argument("--root", help="dataset root folder")
    p.add_argument("--iterations", type=int)
    p.add_argument("--batch-size", type=int, help="the global batch (split across ranks under torchrun)")
    p.add_argument("--crop", help="crop HxW, e.g. 360x360")
    p.add_argument("--lr-peak", type=float)
    p.add_argument("--val-interval", type=int)
    p.add_argument("--val-images", type=int)
    p.add_argument("--checkpoint-interval", type=int)
    p.add_argument("--seed", type=int)
    p.add_argument("--output")
    p.add_argument("--task", help="segmentation (default) or classification (encoder pretraining on an imagenet folder)")
    p.add_argument("--init-from", help="start from the tensors of this checkpoint that fit")
    p.add_argument("--resume", action="store_true", help="continue the run in --output from checkpoint.safetensors")
    # PyTorch-side settings (not in hard's configs)
    p.add_argument("--device", default="auto", help="auto (CUDA when available), cpu, cuda")
    p.add_argument("--amp", dest="amp", action="store_true", default=None, help="mixed precision (default on CUDA)")
    p.add_argument("--no-amp", dest="amp", action="store_false", help="full float32")
    p.add_argument("--amp-dtype", choices=("bf16", "fp16"), default=None,
                   help="autocast dtype (default bf16 where the GPU has it, else fp16 with a GradScaler)")
    p.add_argument("--loader-workers", type=int, help="data loader processes per rank (0: in the training "
                   "process); default: the config's loader_workers")
    p.add_argument("--no-sync-bn", dest="sync_bn", action="store_false", default=True,
                   help="per-rank BatchNorm statistics (not hard's recipe; for comparison only)")
    p.add_argument("--stop-after", type=int, default=None,
                   help="end after this iteration, leaving a state to --resume (tests, time-boxed jobs)")
    p.add_argument("--dtype", choices=("float32", "float64"), default="float32",
                   help="parameter precision; float64 is for checks (the DDP test), not for training")
    return p.parse_args(argv)


def _count(value, flag, maximum=None):
    if maximum is not None and not 1 <= value <= maximum:
        raise ConfigError(f"{flag} must be 1...{maximum}, got {value}")
    if value < 1:
        raise ConfigError(f"{flag} must be at least 1, got {value}")


def parse_size(text, flag):
    parts = text.lower().split("x")
    try:
        if len(parts) != 2:
            raise ValueError
        h, w = int(parts[0]), int(parts[1])
    except ValueError:
        raise ConfigError(f"{flag} takes HxW, e.g. 360x640, got '{text}'") from None
    if not (16 <= h <= 16384 and 16 <= w <= 16384):
        raise ConfigError(f"{flag}: each side must be 16...16384 pixels, got {h}x{w}")
    return h, w


def build_config(a) -> config_mod.TrainConfig:
    """The config file with the flags applied, checked as `hard train` checks them."""
    if a.model is not None:
        try:
            config_mod.parse_variant(a.model)
        except ValueError as e:
            raise ConfigError(f"--model: {e}") from None
    for flag, v, maximum in (("--iterations", a.iterations, 100_000_000), ("--batch-size", a.batch_size, 4096),
                             ("--val-interval", a.val_interval, None), ("--val-images", a.val_images, None),
                             ("--checkpoint-interval", a.checkpoint_interval, None)):
        if v is not None:
            _count(v, flag, maximum)
    if a.lr_peak is not None and not (math.isfinite(a.lr_peak) and a.lr_peak > 0):
        raise ConfigError(f"--lr-peak must be above 0, got {a.lr_peak}")
    if a.output is not None and a.output == "":
        raise ConfigError("--output must name a folder")
    if a.task is not None and a.task not in config_mod.TASKS:
        raise ConfigError(f"--task must be one of {', '.join(config_mod.TASKS)}, got '{a.task}'")
    if a.init_from is not None and a.init_from == "":
        raise ConfigError("--init-from must name a checkpoint")
    if a.seed is not None and not 0 <= a.seed < 2 ** 64:
        raise ConfigError(f"--seed must be 0...{2 ** 64 - 1}, got {a.seed}")
    c = config_mod.load(a.config) if a.config else config_mod.TrainConfig()
    for key, value in (("model", a.model), ("iterations", a.iterations), ("batch_size", a.batch_size),
                       ("lr_peak", a.lr_peak), ("val_interval", a.val_interval), ("val_images", a.val_images),
                       ("checkpoint_interval", a.checkpoint_interval), ("seed", a.seed), ("output", a.output),
                       ("task", a.task), ("init_from", a.init_from)):
        if value is not None:
            setattr(c, key, value)
    if a.dataset is not None:
        c.dataset.kind = a.dataset
    if a.root is not None:
        c.dataset.root = a.root
    if a.crop is not None:
        c.crop_height, c.crop_width = parse_size(a.crop, "--crop")
    c.validate()
    return c


# ---------------------------------------------------------------------------------------------
# Distributed setup

class Dist:
    """Where this process stands: rank, world size, local rank, device."""

    def __init__(self, device_arg="auto"):
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        self.local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        cuda = torch.cuda.is_available() if device_arg == "auto" else device_arg == "cuda"
        if device_arg not in ("auto", "cpu", "cuda"):
            raise ConfigError(f"--device must be auto, cpu or cuda, got '{device_arg}'")
        if cuda and not torch.cuda.is_available():
            raise ConfigError("--device cuda: no CUDA device is available")
        if cuda:
            torch.cuda.set_device(self.local_rank % torch.cuda.device_count())
            self.device = torch.device("cuda", torch.cuda.current_device())
        else:
            self.device = torch.device("cpu")
        self.distributed = self.world > 1
        if self.distributed and not dist.is_initialized():
            dist.init_process_group(backend="nccl" if cuda else "gloo")
        self.backend = dist.get_backend() if self.distributed else None

    @property
    def main(self):
        return self.rank == 0

    def barrier(self):
        if self.distributed:
            dist.barrier()

    def agree(self, error):
        """Rank 0's error (a message or None) raised on every rank, so no rank waits for one that stopped."""
        if not self.distributed:
            if error:
                raise ConfigError(error)
            return
        box = [error]
        dist.broadcast_object_list(box, src=0)
        if box[0]:
            raise ConfigError(box[0])

    def all_reduce(self, t):
        if self.distributed:
            dist.all_reduce(t)
        return t

    def close(self):
        if self.distributed and dist.is_initialized():
            dist.destroy_process_group()


# ---------------------------------------------------------------------------------------------
# Data

class Batches(torch.utils.data.Dataset):
    """Item k: this rank's slice of global batch k, (images (b, 3, H, W) float32, targets)."""

    def __init__(self, dataset, config, rank, world, classification):
        self.dataset, self.seed = dataset, config.seed
        self.batch, self.local = config.batch_size, config.batch_size // world
        self.offset = rank * self.local
        self.classification = classification
        self.augmentation = Augmentation(config.crop_height, config.crop_width, config.scale_min, config.scale_max,
                                         config.flip, config.photometric)

    def positions(self, k):
        start = k * self.batch + self.offset
        return range(start, start + self.local)

    def __len__(self):
        return 1 << 62

    def __getitem__(self, k):
        images, targets, n = [], [], len(self.dataset)
        for p in self.positions(k):
            index = dataset_index(self.seed, p, n)
            image, labels = self.dataset.sample(index)
            img, lab = self.augmentation.apply(image, labels, sample_rng(self.seed, p))
            images.append(img)
            targets.append(self.dataset.image_class(index) if self.classification else lab)
        x = torch.from_numpy(normalize(np.stack(images)))
        y = torch.tensor(targets, dtype=torch.int64) if self.classification else torch.from_numpy(np.stack(targets).astype(np.int64))
        return x, y


class _Range(torch.utils.data.Sampler):
    def __init__(self, start, end):
        self.start, self.end = start, end

    def __iter__(self):
        return iter(range(self.start, self.end))

    def __len__(self):
        return self.end - self.start


def loader(batches, start, end, workers, pin):
    return torch.utils.data.DataLoader(batches, batch_size=None, sampler=_Range(start, end), num_workers=workers,
                                       pin_memory=pin, prefetch_factor=2 if workers > 0 else None)


# ---------------------------------------------------------------------------------------------
# Loss and metrics

def loss_sums(outputs, targets, classification):
    """Per-head sums of the cross-entropy over valid pixels (or images), and their count."""
    if classification:
        ce = F.cross_entropy(outputs[0].float(), targets, reduction="sum")
        return [ce], torch.tensor(float(targets.numel()), device=targets.device, dtype=ce.dtype)
    sums = [F.cross_entropy(o.float() if o.dtype in (torch.float16, torch.bfloat16) else o, targets,
                            ignore_index=IGNORE, reduction="sum") for o in outputs]
    return sums, (targets != IGNORE).sum().to(sums[0].dtype)


def confusion(pred, truth, classes):
    """(classes, classes) int64 counts[truth, prediction], 255 skipped."""
    valid = truth != IGNORE
    t, p = truth[valid].astype(np.int64), pred[valid].astype(np.int64)
    return np.bincount(t * classes + p, minlength=classes * classes).reshape(classes, classes)


def miou_of(counts):
    """ConfusionMatrix.swift: IoU per class where the union is non-empty; mean; pixel accuracy."""
    counts = np.asarray(counts, dtype=np.int64)
    tp = np.diag(counts).astype(np.float64)
    union = counts.sum(0) + counts.sum(1) - np.diag(counts)
    present = union > 0
    miou = float(np.mean(tp[present] / union[present])) if present.any() else 0.0
    total = counts.sum()
    return miou, float(tp.sum() / total) if total else 0.0


def _autocast(device, amp_dtype):
    if amp_dtype is None:
        return torch.autocast(device.type, enabled=False)
    return torch.autocast(device.type, dtype=amp_dtype)


@torch.no_grad()
def validate(model, val, config, d, classification, amp_dtype, dtype):
    """Every rank evaluates images rank, rank + W, ...; the counts are all-reduced."""
    model.eval()
    n = min(len(val), config.val_images or len(val))
    if classification:
        counts = np.zeros(3, np.int64)   # top-1, top-5, images
        for i in range(d.rank, n, d.world):
            image, labels = val.sample(i)
            h, w = labels.shape
            x0, y0 = int((w - config.crop_width) / 2), int((h - config.crop_height) / 2)   # Swift's / truncates
            img, _ = crop(image, labels, x0, y0, config.crop_width, config.crop_height)
            with _autocast(d.device, amp_dtype):
                scores = model(torch.from_numpy(normalize(img)).to(d.device, dtype)).float()[0]
            truth = val.image_class(i)
            higher = int((scores > scores[truth]).sum())
            counts += (higher == 0, higher < 5, 1)
    else:
        counts = np.zeros((val.classes, val.classes), np.int64)
        for i in range(d.rank, n, d.world):
            image, labels = val.sample(i)
            with _autocast(d.device, amp_dtype):
                logits = model(torch.from_numpy(normalize(image)).to(d.device, dtype))
            pred = logits.float().argmax(1)[0].to(torch.uint8).cpu().numpy()
            counts += confusion(pred, labels, val.classes)
    total = torch.from_numpy(counts).to(d.device)
    d.all_reduce(total)
    model.train()
    counts = total.cpu().numpy()
    if classification:
        images = max(int(counts[2]), 1)
        return {"val_top1": counts[0] / images, "val_top5": counts[1] / images}, counts[0] / images
    miou, accuracy = miou_of(counts)
    return {"val_miou": miou, "val_pixel_accuracy": accuracy}, miou


# ---------------------------------------------------------------------------------------------
# Files

class RunLog:
    """train.jsonl (RunLog.swift): one JSON object per line, sorted keys; a resumed run first drops
    the lines past its checkpoint, so no iteration is logged twice."""

    def __init__(self, path, keep_through=None):
        self.path = path
        if keep_through is not None and os.path.exists(path):
            kept = [e for e in read_log(path) if e.get("iter", 0) <= keep_through]
            write_atomically("".join(json.dumps(e, sort_keys=True, separators=(",", ":")) + "\n" for e in kept).encode(), path)
            self.f = open(path, "a", encoding="utf-8")
        else:
            self.f = open(path, "w", encoding="utf-8")

    def append(self, entry):
        self.f.write(json.dumps(entry, sort_keys=True, separators=(",", ":")) + "\n")
        self.f.flush()

    def close(self):
        self.f.close()


def read_log(path):
    out = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            try:
                e = json.loads(line)
            except ValueError:
                continue                  # a torn last line (killed mid-write)
            if isinstance(e, dict) and "iter" in e and "kind" in e:
                out.append(e)
    return out


class OutputLock:
    """One run per output folder: an exclusive flock on OUTPUT/.lock, the one `hard train` takes."""

    def __init__(self, folder):
        self.path = os.path.join(folder, ".lock")
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = os.pread(self.fd, 32, 0).decode(errors="replace").strip() or "unknown"
            os.close(self.fd)
            raise ConfigError(f"{folder} is in use by another training run (pid {owner})") from None
        except OSError:
            return                       # no locking on this file system
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, f"{os.getpid()}\n".encode(), 0)

    def close(self):
        os.close(self.fd)


def check_outputs(config, config_path):
    inputs = [(config_path, "the --config file"), (config.init_from, "the init_from checkpoint")]
    for name in WRITTEN:
        out = os.path.realpath(os.path.join(config.output, name))
        for path, what in inputs:
            if path and os.path.realpath(path) == out:
                raise ConfigError(f"{os.path.join(config.output, name)} is {what}; the run would overwrite it. "
                                  "Choose another --output")


# ---------------------------------------------------------------------------------------------
# The run

def _say(d, text):
    if d.main:
        print(text, flush=True)


def _broadcast_tensors(tensors, d):
    if d.distributed:
        for t in tensors:
            dist.broadcast(t, src=0)


def train(argv=None):
    a = parse_args(argv)
    d = Dist(a.device)
    try:
        return _train(a, d)
    finally:
        d.close()


def _train(a, d):
    config = build_config(a)
    classification = config.task == "classification"
    if config.batch_size % d.world != 0:
        raise ConfigError(f"batch_size {config.batch_size} (the global batch) does not split evenly over "
                          f"{d.world} ranks; use a multiple of {d.world}")
    workers = config.loader_workers if a.loader_workers is None else a.loader_workers
    if not 0 <= workers <= 16:
        raise ConfigError(f"--loader-workers must be 0...16, got {workers}")
    dtype = torch.float64 if a.dtype == "float64" else torch.float32
    use_amp = (d.device.type == "cuda") if a.amp is None else a.amp
    if use_amp and d.device.type != "cuda":
        raise ConfigError("--amp needs a CUDA device (mixed precision on the CPU is not part of this trainer)")
    amp_dtype, scaler = None, None
    if use_amp:
        want = a.amp_dtype or ("bf16" if torch.cuda.is_bf16_supported() else "fp16")
        amp_dtype = torch.bfloat16 if want == "bf16" else torch.float16
        if amp_dtype == torch.float16:
            scaler = torch.amp.GradScaler("cuda")

    # Output folder, lock, synthetic data (rank 0 first).
    error = None
    lock = None
    if d.main:
        try:
            os.makedirs(config.output, exist_ok=True)
            lock = OutputLock(config.output)
            check_outputs(config, a.config)
        except (ConfigError, OSError) as e:
            error = str(e)
    d.agree(error)
    synth_root = None
    if config.dataset.kind == "synthstreets":
        synth_root = datasets.synthstreets_folder(config.output)
        error = None
        if d.main:
            try:
                datasets.render_synthstreets(synth_root, config.dataset)
            except ConfigError as e:
                error = str(e)
        d.agree(error)
        d.barrier()
        if d.local_rank == 0 and not datasets.synth_is_current(synth_root, config.dataset):
            datasets.render_synthstreets(synth_root, config.dataset)   # a node that does not share rank 0's disk
        d.barrier()

    side = max(config.crop_height, config.crop_width)
    train_set = datasets.make_dataset(config.dataset, config.dataset.train_split, side, synth_root)
    val_set = datasets.make_dataset(config.dataset, config.dataset.val_split, side, synth_root)
    _say(d, f"train: {train_set.summary}")
    _say(d, f"val:   {val_set.summary}")
    if train_set.classes != val_set.classes:
        raise ConfigError(f"train ({train_set.classes}) and val ({val_set.classes}) class counts differ")
    if classification and train_set.class_names != val_set.class_names:
        extra = sorted(set(train_set.class_names) ^ set(val_set.class_names))[:3]
        raise ConfigError(f"{train_set.name} and {val_set.name} have different class folders (e.g. {', '.join(extra)}); "
                          "a class index must mean the same class in both")
    low, high = CLASS_RANGES[config.task]
    if not low <= train_set.classes <= high:
        raise ConfigError(f"{train_set.name} has {train_set.classes} classes, outside {low}...{high}")
    classes, variant = train_set.classes, config.variant

    torch.manual_seed(config.seed % (1 << 63))
    model = build(variant, classes, config.task).to(dtype)
    optimizer = AdamW(model.parameters(), lr=config.lr_start, weight_decay=config.weight_decay)
    schedule = WarmupCosineSchedule(config.lr_start, config.lr_peak, config.lr_end, config.warmup_iterations,
                                    config.iterations)
    state_path = os.path.join(config.output, "checkpoint.safetensors")
    iteration, best = 0, -1.0

    # Resume or init_from on rank 0; the others receive the tensors.
    error, info = None, None
    if d.main:
        try:
            if a.resume:
                iteration, best, saved = training_state.load(state_path, model, optimizer, variant, classes)
                same = (config_mod.parse_variant(saved.model) == variant and saved.batch_size == config.batch_size
                        and saved.seed == config.seed and saved.crop_height == config.crop_height
                        and saved.crop_width == config.crop_width and saved.dataset == config.dataset)
                if not same:
                    raise ConfigError(f"{state_path}: the run was started with another model, dataset, batch, crop or "
                                      "seed; resuming would not continue it")
                if iteration > config.iterations:
                    raise ConfigError(f"{state_path}: the run is at iteration {iteration}, past this run's "
                                      f"{config.iterations} iterations; raise --iterations to continue it")
                print(f"resuming at iteration {iteration} of {config.iterations}")
                if config.init_from:
                    print("init_from ignored: resuming, the training state holds the weights")
            elif config.init_from:
                report = transfer.apply(config.init_from, model, variant)
                print(f"init from {config.init_from}:")
                for line in report.lines:
                    print("  " + line)
        except (ConfigError, training_state.StateError, transfer.TransferError, OSError, ValueError) as e:
            error = str(e)
        info = [iteration, best, optimizer.step_count]
    d.agree(error)
    if d.distributed:
        box = [info]
        dist.broadcast_object_list(box, src=0)
        iteration, best, optimizer.step_count = box[0]
    model.to(d.device)
    optimizer.m = [t.to(d.device) for t in optimizer.m]
    optimizer.v = [t.to(d.device) for t in optimizer.v]
    _broadcast_tensors(list(model.state_dict().values()) + optimizer.m + optimizer.v, d)

    base = model
    if d.distributed:
        if a.sync_bn:
            enable_sync_batch_norm(model)
        model = torch.nn.parallel.DistributedDataParallel(
            model, device_ids=[d.device.index] if d.device.type == "cuda" else None, broadcast_buffers=False)
    _say(d, f"model: {variant} ({config.task}), {sum(p.numel() for p in base.parameters()):,} parameters; "
            f"{d.world} rank(s) on {d.device.type}{' (' + d.backend + ')' if d.backend else ''}, global batch "
            f"{config.batch_size} ({config.batch_size // d.world} per rank), "
            f"{'AMP ' + str(amp_dtype).replace('torch.', '') if amp_dtype else str(dtype).replace('torch.', '')}, "
            f"SyncBN {'on' if d.distributed and a.sync_bn else 'off'}; output {config.output}")

    log = RunLog(os.path.join(config.output, "train.jsonl"), iteration if iteration > 0 else None) if d.main else None
    batches = Batches(train_set, config, d.rank, d.world, classification)
    end = config.iterations if a.stop_after is None else min(config.iterations, max(1, a.stop_after))
    data = iter(loader(batches, iteration, end, workers, d.device.type == "cuda"))
    model.train()
    start = time.time()
    window_start, window_images = time.time(), 0
    aux_weight = config.aux_weight
    while iteration < end:
        i = iteration
        lr = schedule(i)
        optimizer.set_lr(lr)
        x, y = next(data)
        x, y = x.to(d.device, dtype, non_blocking=True), y.to(d.device, non_blocking=True)
        with _autocast(d.device, amp_dtype):
            out = model(x)
        outputs = list(out) if isinstance(out, (tuple, list)) else [out]
        sums, count = loss_sums(outputs, y, classification)
        totals = torch.stack([count.double()] + [s.detach().double() for s in sums])
        d.all_reduce(totals)
        denom = torch.clamp(totals[0], min=1)
        local = sums[0] + (aux_weight * sum(sums[1:]) if len(sums) > 1 else 0)
        loss = local * (d.world / denom).to(local.dtype)
        optimizer.zero_grad(set_to_none=True)
        if scaler is not None:
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
        else:
            loss.backward()
            optimizer.step()
        iteration = i + 1
        window_images += config.batch_size
        main_loss = float(totals[1] / denom)
        aux_loss = float(totals[2:].sum() / denom) if len(sums) > 1 else 0.0
        total_loss = main_loss + aux_weight * aux_loss
        if not math.isfinite(total_loss):
            raise ConfigError(f"training diverged at iteration {iteration}: loss {total_loss}; lower lr_peak")
        done = iteration
        now = time.time()
        if d.main and (done % config.log_interval == 0 or done == config.iterations):
            speed = window_images / max(now - window_start, 1e-9)
            log.append({"iter": done, "kind": "train", "loss": total_loss, "loss_main": main_loss, "loss_aux": aux_loss,
                        "lr": lr, "images_per_s": speed, "elapsed_s": now - start})
            print(f"iter {done}/{config.iterations}  loss {total_loss:.4f}  lr {lr:.2e}  {speed:.1f} img/s", flush=True)
            window_start, window_images = now, 0
        if done % config.val_interval == 0 or done == config.iterations:
            metrics, score = validate(base, val_set, config, d, classification, amp_dtype, dtype)
            if d.main:
                log.append(dict({"iter": done, "kind": "val", "elapsed_s": time.time() - start}, **metrics))
                if classification:
                    print(f"iter {done}: val top-1 {100 * metrics['val_top1']:.2f}, top-5 {100 * metrics['val_top5']:.2f}", flush=True)
                else:
                    print(f"iter {done}: val mIoU {100 * metrics['val_miou']:.2f}, pixel accuracy "
                          f"{100 * metrics['val_pixel_accuracy']:.2f}", flush=True)
            if score > best:
                best = float(score)
                if d.main:
                    save_checkpoint(base, os.path.join(config.output, "best.safetensors"), variant, classes, config.task)
        if d.main and (done % config.checkpoint_interval == 0 or done == end):
            training_state.save(state_path, base, optimizer, iteration, best, config, variant, classes)
            save_checkpoint(base, os.path.join(config.output, "last.safetensors"), variant, classes, config.task)
    if log:
        log.close()
    metric = "top-1 accuracy" if classification else "mIoU"
    _say(d, f"done: {iteration} iterations, best val {metric} {100 * max(best, 0):.2f}; checkpoints in {config.output}")
    if lock:
        lock.close()
    return base


def main(argv=None):
    try:
        train(argv)
    except (ConfigError, datasets.DatasetError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
