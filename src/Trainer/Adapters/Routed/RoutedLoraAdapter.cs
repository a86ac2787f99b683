using Cltool.Core.Adapters;
using Cltool.Core.Adapters.Routed;
using Cltool.Core.Continual;
using Cltool.Core.Weights;
using Cltool.Trainer.Continual;
using Cltool.Trainer.Models;
using Cltool.Trainer.Native;
using static TorchSharp.torch;

namespace Cltool.Trainer.Adapters.Routed;

/// <summary>
/// C-LoRA on the target projections (q and v, or k and v) of every block's fused qkv: one shared Down [r, dim] and
/// Up [dim, r] per module with an r×r routing R = R_old + R_δ between them, ΔW = Up·R·Down. R_old holds the finished
/// tasks and is frozen; R_δ is the current task's. With <see cref="CLoraSettings.StopOldGradient"/> the old route runs on
/// detached Down and Up, so the shared factors learn only through R_δ (Theorem 3.1); otherwise Up·(R_old + R_δ)·Down.
/// The stored size never grows with the task count: Down, Up and R_old per module.
/// </summary>
public sealed class RoutedLoraAdapter(ViTShape shape, CLoraSettings settings, int rank, Device device) : IContinualAdapter
{
    sealed class Module(Tensor down, Tensor up, Tensor routingOld)
    {
        public Tensor Down = down, Up = up, RoutingOld = routingOld;
        public Tensor? RoutingDelta;
        /// <summary>Q_old of the orthogonality penalty for the current task, built on first use; null: nothing to avoid yet.</summary>
        public Tensor? Basis;
        public IEnumerable<Tensor> All => new[] { Down, Up, RoutingOld, RoutingDelta, Basis }.OfType<Tensor>();
    }

    readonly string[] _targets = settings.TargetNames;
    readonly int[] _rowBlocks = settings.RowBlocks;
    Module[][] _modules = [];
    bool _oldIsZero = true;

    /// <summary>
    /// The first task's start, which avoids the dead start of Up = 0 with R = 0: Down ~ kaiming_uniform(a=√5), Up = 0,
    /// R_old = 0 and R_δ = I, so task 1 is plain LoRA (ΔW starts at 0 and Up gets gradient G·Downᵀ).
    /// </summary>
    public void Start(Generator generator)
    {
        if (_modules.Length > 0) throw new InvalidOperationException("The routed adapter has already started.");
        _modules = PerModule((_, _) => new Module(Initialisation.LoraDown(rank, shape.Dim, generator, device),
                                                  zeros([shape.Dim, rank], device: device).requires_grad_(true), zeros([rank, rank], device: device)));
        foreach (Module module in _modules.SelectMany(m => m)) module.RoutingDelta = eye(rank, device: device).requires_grad_(true);
        _oldIsZero = true;
    }

    /// <summary>A later task's start: R_δ = 0, so the model begins exactly where the last task ended.</summary>
    public void StartRoutingDelta()
    {
        foreach (Module module in _modules.SelectMany(m => m))
        {
            if (module.RoutingDelta is not null) throw new InvalidOperationException("Merge the routing of the last task before starting another.");
            module.RoutingDelta = zeros([rank, rank], device: device).requires_grad_(true);
        }
    }

    /// <summary>The end of a task: R_old ← R_old + R_δ; R_δ and the penalty's basis are dropped.</summary>
    public void MergeRoutingDelta()
    {
        using var _ = no_grad();
        foreach (Module module in _modules.SelectMany(m => m))
        {
            Tensor delta = module.RoutingDelta ?? throw new InvalidOperationException("No routing delta to merge.");
            module.RoutingOld.add_(delta, Native.Scalars.One);
            delta.Dispose();
            module.RoutingDelta = null;
            module.Basis?.Dispose();
            module.Basis = null;
        }
        _oldIsZero = false;
    }

    /// <summary>Restores a checkpoint's modules; <paramref name="trainable"/>: Down, Up and R_δ train (a resumed run).</summary>
    public void Load(RoutedLora stored, bool trainable)
    {
        if (_modules.Length > 0) throw new InvalidOperationException("The routed adapter has already started.");
        Tensor Copy(HostTensor host, bool grad) => tensor(host.Data, host.Shape).to(device).requires_grad_(grad);
        _modules = PerModule((b, t) =>
        {
            RoutedLoraModule m = stored.Modules[b][t];
            return new Module(Copy(m.Down, trainable), Copy(m.Up, trainable), Copy(m.RoutingOld, false))
            {
                RoutingDelta = m.RoutingDelta is { } delta ? Copy(delta, trainable) : null,
            };
        });
        _oldIsZero = stored.Modules.All(block => block.All(m => m.RoutingOld.Data.All(v => v == 0)));
    }

    public Tensor Apply(int block, Tensor x, Tensor qkv)
    {
        if (_modules.Length == 0) return qkv;
        Tensor[] parts = qkv.chunk(3, -1);
        for (int t = 0; t < _targets.Length; t++)
            parts[_rowBlocks[t]] = parts[_rowBlocks[t]].add(Delta(_modules[block][t], x), Scalars.One);
        return cat(parts, -1);
    }

    Tensor Delta(Module module, Tensor x)
    {
        Tensor? delta = module.RoutingDelta;
        if (!settings.StopOldGradient)
        {
            Tensor routing = delta is null ? module.RoutingOld : module.RoutingOld.add(delta, Scalars.One);
            return x.matmul(module.Down.t()).matmul(routing.t()).matmul(module.Up.t());
        }
        Tensor? old = _oldIsZero ? null : x.matmul(module.Down.detach().t()).matmul(module.RoutingOld.t()).matmul(module.Up.detach().t());
        if (delta is null) return old ?? zeros_like(x);
        Tensor fresh = x.matmul(module.Down.t()).matmul(delta.t()).matmul(module.Up.t());
        return old is null ? fresh : old.add(fresh, Scalars.One);
    }

    /// <summary>
    /// Σ over modules of ‖Q_oldᵀ·R_δ‖²_F (paper Eq. 26), with Q_old R_old itself (raw) or R_old's leading left singular
    /// vectors holding the settings' energy share of Σσ² (energy); null before there is an R_old to avoid.
    /// </summary>
    public Tensor? OrthogonalityPenalty()
    {
        if (_oldIsZero) return null;
        Tensor? total = null;
        foreach (Module module in _modules.SelectMany(m => m))
        {
            if (module.RoutingDelta is not { } delta) continue;
            module.Basis ??= BasisOf(module.RoutingOld);
            Tensor term = module.Basis.t().matmul(delta).pow(Scalars.Two).sum();
            total = total is null ? term : total.add(term, Scalars.One);
        }
        return total;
    }

    /// <summary>
    /// Q_old from R_old: the matrix itself, or its top-k left singular vectors (float64 SVD) by energy share. Built inside
    /// a training step's dispose scope, so it is detached from every scope: the module owns it until the task ends.
    /// </summary>
    Tensor BasisOf(Tensor routingOld)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        Tensor basis;
        if (settings.Basis == CLoraSettings.RawBasis) basis = routingOld.clone();
        else
        {
            (Tensor u, Tensor s, _) = linalg.svd(routingOld.cpu().to_type(ScalarType.Float64), fullMatrices: false);
            double[] energy = s.pow(Scalars.Two).cumsum(0).data<double>().ToArray();
            double total = energy[^1];
            int keep = total == 0 ? 0 : 1 + Array.FindIndex(energy, e => e >= settings.Energy * total * (1 - 1e-12));
            basis = u.narrow(1, 0, keep).to_type(ScalarType.Float32).to(device);
        }
        return basis.DetachFromDisposeScope();
    }

    public IEnumerable<(string Name, Tensor Parameter)> TrainableParameters()
    {
        for (int b = 0; b < _modules.Length; b++)
        {
            for (int t = 0; t < _targets.Length; t++)
            {
                Module module = _modules[b][t];
                string Name(string part) => RoutedFamily.PartName(b, _targets[t], part);
                yield return (Name(RoutedFamily.Down), module.Down);
                yield return (Name(RoutedFamily.Up), module.Up);
                if (module.RoutingDelta is { } delta) yield return (Name(RoutedFamily.RoutingDelta), delta);
            }
        }
    }

    /// <summary>R_old holds what earlier tasks learned (frozen directions); the shared A and B with R_δ are the current adapter; no magnitudes.</summary>
    public IEnumerable<ParameterGroup> CountParameters(Func<Tensor, bool> trains)
    {
        Module[] modules = _modules.SelectMany(m => m).ToArray();
        yield return ParameterCensus.Group(ParameterGroups.FrozenDirections, modules.Select(m => m.RoutingOld), trains);
        yield return ParameterCensus.Group(ParameterGroups.CurrentAdapter,
            modules.SelectMany(m => m.RoutingDelta is { } delta ? [m.Down, m.Up, delta] : new[] { m.Down, m.Up }), trains);
    }

    public int ForwardRank => rank;

    public IAdapterState? State() => new RoutedLora(_modules.Select(block => block.Select(m => new RoutedLoraModule(
        HostTensors.From(m.Down), HostTensors.From(m.Up), HostTensors.From(m.RoutingOld),
        m.RoutingDelta is { } delta ? HostTensors.From(delta) : null)).ToArray()).ToArray(), settings);

    /// <summary>One module per block and target, created in that order (block-major, so random draws repeat).</summary>
    Module[][] PerModule(Func<int, int, Module> create) =>
        Enumerable.Range(0, shape.Depth).Select(b => Enumerable.Range(0, _targets.Length).Select(t => create(b, t)).ToArray()).ToArray();

    public void Dispose()
    {
        foreach (Tensor t in _modules.SelectMany(m => m).SelectMany(m => m.All)) t.Dispose();
    }
}
