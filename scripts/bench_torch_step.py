#!/usr/bin/env python3
"""Times one CTGAN training step in PyTorch (CPU) at the same shapes as
`crates/medsynth-nn/examples/bench_step.rs`: critic step with gradient penalty
(lambda 10, pac 10) + generator step, batch 500, noise 128, generator and
critic 256-256, data_dim 140 (10 x [tanh + 10-mode softmax] + softmax 10/12/8),
cond_dim 30. The step follows sdv-dev/CTGAN `ctgan.py` (Residual blocks with
BatchNorm by default, Gumbel-softmax tau 0.2, conditional cross-entropy, Adam
lr 2e-4 betas (0.5, 0.9) weight decay 1e-6).

Usage (venv outside the repo, e.g. /work/venv-torch with `pip install torch`):
    python scripts/bench_torch_step.py --threads 1 --steps 200 [--norm batch|layer] [--gp 10]
Prints the median step time in ms.
"""
import argparse
import statistics
import time

import torch
from torch import nn
from torch.nn import functional as F


class Residual(nn.Module):
    def __init__(self, i, o, norm):
        super().__init__()
        self.fc = nn.Linear(i, o)
        self.norm = nn.BatchNorm1d(o) if norm == "batch" else nn.LayerNorm(o)

    def forward(self, x):
        return torch.cat([F.relu(self.norm(self.fc(x))), x], dim=1)


class Generator(nn.Module):
    def __init__(self, in_dim, hidden, data_dim, norm):
        super().__init__()
        layers, dim = [], in_dim
        for h in hidden:
            layers.append(Residual(dim, h, norm))
            dim += h
        layers.append(nn.Linear(dim, data_dim))
        self.seq = nn.Sequential(*layers)

    def forward(self, x):
        return self.seq(x)


class Critic(nn.Module):
    def __init__(self, in_dim, hidden, pac):
        super().__init__()
        self.pac, self.pacdim = pac, in_dim * pac
        layers, dim = [], self.pacdim
        for h in hidden:
            layers += [nn.Linear(dim, h), nn.LeakyReLU(0.2), nn.Dropout(0.5)]
            dim = h
        layers.append(nn.Linear(dim, 1))
        self.seq = nn.Sequential(*layers)

    def forward(self, x):
        return self.seq(x.view(-1, self.pacdim))

    def gradient_penalty(self, real, fake, lam):
        alpha = torch.rand(real.size(0) // self.pac, 1, 1)
        alpha = alpha.repeat(1, self.pac, real.size(1)).view(-1, real.size(1))
        interp = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
        out = self(interp)
        grads = torch.autograd.grad(out, interp, torch.ones_like(out), create_graph=True, retain_graph=True)[0]
        norms = grads.view(-1, self.pac * real.size(1)).norm(2, dim=1) - 1
        return (norms ** 2).mean() * lam


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--norm", choices=["batch", "layer"], default="batch")
    ap.add_argument("--gp", type=float, default=10.0)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    spans = []  # (start, width, kind)
    start = 0
    for _ in range(10):
        spans += [(start, 1, "tanh"), (start + 1, 10, "softmax")]
        start += 11
    conds, cstart = [], 0
    for w in (10, 12, 8):
        spans.append((start, w, "softmax"))
        conds.append((start, cstart, w))
        start += w
        cstart += w
    data_dim, cond_dim, batch, noise, pac = start, cstart, 500, 128, 10

    G = Generator(noise + cond_dim, [256, 256], data_dim, args.norm)
    D = Critic(data_dim + cond_dim, [256, 256], pac)
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.9), weight_decay=1e-6)
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.9), weight_decay=1e-6)

    def activate(x):
        outs = []
        for s, w, kind in spans:
            if kind == "tanh":
                outs.append(torch.tanh(x[:, s:s + w]))
            else:
                outs.append(F.gumbel_softmax(x[:, s:s + w], tau=0.2))
        return torch.cat(outs, dim=1)

    real = torch.rand(batch, data_dim)
    cond = torch.zeros(batch, cond_dim)
    mask = torch.zeros(batch, len(conds))
    for i in range(batch):
        c = i % len(conds)
        _, cs, w = conds[c]
        cond[i, cs + torch.randint(w, (1,)).item()] = 1
        mask[i, c] = 1

    def cond_loss(logits):
        losses = []
        for s, cs, w in conds:
            losses.append(F.cross_entropy(logits[:, s:s + w], torch.argmax(cond[:, cs:cs + w], dim=1), reduction="none"))
        return (torch.stack(losses, dim=1) * mask).sum() / logits.size(0)

    def step():
        fakez = torch.cat([torch.randn(batch, noise), cond], dim=1)
        fakeact = activate(G(fakez))
        fake_cat = torch.cat([fakeact, cond], dim=1)
        real_cat = torch.cat([real, cond], dim=1)
        y_fake, y_real = D(fake_cat), D(real_cat)
        loss_d = -(torch.mean(y_real) - torch.mean(y_fake))
        opt_d.zero_grad(set_to_none=False)
        if args.gp > 0:
            pen = D.gradient_penalty(real_cat, fake_cat, args.gp)
            pen.backward(retain_graph=True)
        loss_d.backward()
        opt_d.step()

        fakez = torch.cat([torch.randn(batch, noise), cond], dim=1)
        fake = G(fakez)
        y_fake = D(torch.cat([activate(fake), cond], dim=1))
        loss_g = -torch.mean(y_fake) + cond_loss(fake)
        opt_g.zero_grad(set_to_none=False)
        loss_g.backward()
        opt_g.step()

    times = []
    for i in range(args.steps + 10):
        t = time.perf_counter()
        step()
        if i >= 10:
            times.append((time.perf_counter() - t) * 1e3)
    times.sort()
    q = lambda p: times[int((len(times) - 1) * p)]
    print(f"torch {torch.__version__} step (critic+GP lambda={args.gp} + generator, {args.norm}norm), data_dim {data_dim}, "
          f"cond_dim {cond_dim}, batch {batch}, threads {args.threads}: median {q(0.5):.2f} ms "
          f"(p25 {q(0.25):.2f}, p75 {q(0.75):.2f}) over {args.steps} steps")


if __name__ == "__main__":
    main()
