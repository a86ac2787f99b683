#!/usr/bin/env python3
"""The side-by-side anchor for the GPU numbers: the same ViT-B/16 forward (timm's architecture, written out here) in the
machine's own PyTorch, eager and, when it works, torch.compile; batch-1 latency and batch-32/128 throughput in float32
(TF32 matmuls allowed, as ONNX Runtime's CUDA provider allows them by default). Prints one JSON object; without torch
or CUDA it says so in the JSON instead of failing.
"""
import json, sys, time

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError as error:
    print(json.dumps({"skipped": f"no PyTorch here ({error})"}))
    sys.exit(0)


class Block(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.norm1, self.norm2 = nn.LayerNorm(dim, eps=1e-6), nn.LayerNorm(dim, eps=1e-6)
        self.qkv, self.proj = nn.Linear(dim, 3 * dim), nn.Linear(dim, dim)
        self.fc1, self.fc2 = nn.Linear(dim, 4 * dim), nn.Linear(4 * dim, dim)

    def forward(self, x):
        b, n, d = x.shape
        q, k, v = self.qkv(self.norm1(x)).reshape(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        x = x + self.proj(F.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(b, n, d))
        return x + self.fc2(F.gelu(self.fc1(self.norm2(x))))


class ViT(nn.Module):
    def __init__(self, dim=768, depth=12, heads=12, patch=16, image=224, classes=1000):
        super().__init__()
        self.patch_embed = nn.Conv2d(3, dim, patch, patch)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.randn(1, (image // patch) ** 2 + 1, dim) * 0.02)
        self.blocks = nn.Sequential(*[Block(dim, heads) for _ in range(depth)])
        self.norm, self.head = nn.LayerNorm(dim, eps=1e-6), nn.Linear(dim, classes)

    def forward(self, x):
        x = self.patch_embed(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], 1) + self.pos_embed
        return self.head(self.norm(self.blocks(x))[:, 0])


def timed(model, batch, repeats, device):
    x = torch.randn(batch, 3, 224, 224, device=device)
    with torch.inference_mode():
        for _ in range(3):
            model(x)
        torch.cuda.synchronize()
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            model(x)
            torch.cuda.synchronize()
            times.append(time.perf_counter() - start)
    times.sort()
    return times[len(times) // 2]


def measure(model, device):
    return {"batch1P50Ms": 1000 * timed(model, 1, 50, device),
            "throughput": [{"batch": b, "imagesPerSecond": b / timed(model, b, 20, device)} for b in (32, 128)]}


def main():
    if not torch.cuda.is_available():
        print(json.dumps({"skipped": "PyTorch sees no CUDA device", "torch": torch.__version__}))
        return
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    device = torch.device("cuda")
    model = ViT().to(device).eval()
    result = {"torch": torch.__version__, "device": torch.cuda.get_device_name(0), "eager": measure(model, device)}
    try:
        result["compiled"] = measure(torch.compile(model), device)
    except Exception as error:  # torch.compile needs a compiler toolchain the machine may not have
        result["compiled"] = {"skipped": f"torch.compile failed: {type(error).__name__}: {str(error)[:300]}"}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
