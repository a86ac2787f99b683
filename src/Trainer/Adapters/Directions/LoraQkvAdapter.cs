using Cltool.Core.Adapters;
using Cltool.Core.Adapters.Directions;
using Cltool.Core.Continual;
using Cltool.Core.Weights;
using Cltool.Trainer.Continual;
using Cltool.Trainer.Models;
using Cltool.Trainer.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace Cltool.Trainer.Adapters.Directions;

/// <summary>
/// Low-rank directions on the q and v rows of every block's fused qkv output. Direction i adds
/// <c>(α_i + o_i) / n_i · x·A_iᵀ·B_iᵀ</c>, with one magnitude α_i shared by all blocks and by q and v, n_i the direction's
/// norm in that block and projection, and o_i SD-LoRA-KD's constant offset there (0 unless a later direction was absorbed).
/// Frozen directions are constants (no gradient reaches them) and cost one of two ways, whichever is cheaper: as one
/// stacked rank-R product per projection, or folded into the qkv weight once per forward (W + B·diag(s)·A, what the
/// export does once for all), which costs no per-image matmul at all when the magnitudes do not train, and otherwise
/// the weight gradient of the qkv linear (6·tokens·d² FLOPs per block, against 20·tokens·d·R for the stacked products
/// with their gradients: folding wins from R ≥ 0.3·d, i.e. from about 6 rank-10 tasks at d = 192). At most one
/// direction (the current task's) is trainable; it is used unnormalised (n = 1, the code) or divided by its own
/// ‖B·A‖_F, recomputed every step as a constant (the paper's normalised current direction; see docs/continual-training.md).
/// </summary>
/// <param name="shape">Depth and width of the ViT.</param>
/// <param name="device">Where the adapter's tensors live.</param>
/// <param name="foldFromRank">The frozen rank from which frozen directions fold into the weight while the magnitudes
/// train (default 0.3·d, the break-even above); tests set it to compare the two paths.</param>
public sealed class LoraQkvAdapter(ViTShape shape, Device device, int? foldFromRank = null) : IContinualAdapter
{
    sealed record Direction(Tensor[] Aq, Tensor[] Bq, Tensor[] Av, Tensor[] Bv, float[,] Norms, float[,] Offsets)
    {
        public Tensor A(int block, int projection) => projection == 0 ? Aq[block] : Av[block];
        public Tensor B(int block, int projection) => projection == 0 ? Bq[block] : Bv[block];
        public IEnumerable<Tensor> All => Aq.Concat(Bq).Concat(Av).Concat(Bv);
    }

    readonly List<Direction> _frozen = [];
    Direction? _current;
    Tensor? _magnitudes;
    // Per block and projection (q = 0, v = 1): the frozen directions' A stacked [R, dim] and B [dim, R], and for each
    // of the R columns the direction it belongs to, 1/n and the KD offset (null while every offset is 0). Rebuilt when a
    // direction is frozen or absorbed.
    (Tensor A, Tensor B, Tensor Owner, Tensor InverseNorm, Tensor? Offset)?[,] _stacks = new (Tensor, Tensor, Tensor, Tensor, Tensor?)?[shape.Depth, 2];
    int _frozenRank;
    // The folded qkv weights while the magnitudes are fixed (inference, a finished stage): built once, dropped when the
    // magnitudes or the frozen directions change (the base weights never do: the backbone is frozen under an adapter).
    Tensor?[] _folded = new Tensor?[shape.Depth];
    readonly int _foldFromRank = foldFromRank ?? (int)Math.Ceiling(0.3 * shape.Dim);

    /// <summary>How the trainable direction is normalised; null: not at all (the official code).</summary>
    public DirectionNorm? CurrentNorm { get; set; }

    public int Count => _frozen.Count + (_current is null ? 0 : 1);

    /// <summary>The magnitudes α, one per direction (frozen ones first, then the current one).</summary>
    public Tensor Magnitudes => _magnitudes ?? throw new InvalidOperationException("The adapter has no magnitudes yet.");

    /// <summary>Starts a trainable direction: A ~ kaiming_uniform(a=√5) = U(±1/√dim), B = 0, so it starts as a no-op.</summary>
    public void StartDirection(int rank, Generator generator)
    {
        if (_current is not null) throw new InvalidOperationException("Freeze the current direction before starting another.");
        Tensor NewA(int _) => Initialisation.LoraDown(rank, shape.Dim, generator, device);
        Tensor NewB(int _) => zeros([shape.Dim, rank], device: device).requires_grad_(true);
        _current = new Direction(Blocks(NewA), Blocks(NewB), Blocks(NewA), Blocks(NewB), Ones(), new float[shape.Depth, 2]);
    }

    /// <summary>Adds a direction from a checkpoint: frozen with its stored norms, or as the trainable one (a task being resumed).</summary>
    public void Load(LoraDirection stored, bool trainable)
    {
        Tensor Copy(HostTensor host) => tensor(host.Data, host.Shape).to(device).requires_grad_(trainable);
        var direction = new Direction(Blocks(b => Copy(stored.Query[b].A)), Blocks(b => Copy(stored.Query[b].B)),
                                      Blocks(b => Copy(stored.Value[b].A)), Blocks(b => Copy(stored.Value[b].B)),
                                      trainable ? Ones() : (float[,])stored.Norms.Clone(),
                                      (float[,]?)stored.Offsets?.Clone() ?? new float[shape.Depth, 2]);
        if (!trainable) Freeze(direction);
        else if (_current is not null) throw new InvalidOperationException("The adapter already has a trainable direction.");
        else _current = direction;
    }

    /// <summary>Freezes the trainable direction, normalised by <paramref name="norm"/> in each block and projection.</summary>
    public void FreezeCurrent(DirectionNorm norm)
    {
        Direction current = _current ?? throw new InvalidOperationException("No trainable direction to freeze.");
        _current = null;
        Freeze(new Direction(Detached(current.Aq), Detached(current.Bq), Detached(current.Av), Detached(current.Bv), NormsOf(current, norm), current.Offsets));
        foreach (Tensor t in current.All) t.Dispose();
    }

    /// <summary>Replaces the magnitudes (one per direction).</summary>
    public void SetMagnitudes(double[] values, bool trainable)
    {
        if (values.Length != Count) throw new ArgumentException($"{values.Length} magnitudes for {Count} directions.");
        _magnitudes?.Dispose();
        _magnitudes = tensor(values.Select(v => (float)v).ToArray(), device: device).requires_grad_(trainable);
        DropFolded();
    }

    /// <summary>Frozen directions (factors and non-zero KD offsets), magnitudes, and the current direction (factors; its offsets are 0).</summary>
    public IEnumerable<ParameterGroup> CountParameters(Func<Tensor, bool> trains)
    {
        long offsets = _frozen.Sum(d => d.Offsets.Cast<float>().Count(o => o != 0));
        yield return ParameterCensus.Group(ParameterGroups.FrozenDirections, _frozen.SelectMany(d => d.All), trains, offsets);
        yield return ParameterCensus.Group(ParameterGroups.Magnitudes, _magnitudes is null ? [] : [_magnitudes], trains);
        yield return ParameterCensus.Group(ParameterGroups.CurrentAdapter, _current?.All ?? [], trains);
    }

    /// <summary>Σ ranks of the directions (SD-LoRA-KD's absorbed modules have rank 0, so the largest module's rank counts).</summary>
    public int ForwardRank => _frozen.Concat(_current is null ? [] : [_current]).Sum(d => d.Aq.Concat(d.Av).Max(a => (int)a.shape[0]));

    public IAdapterState? State() => Count > 0 ? new DirectionSet(Export(), MagnitudeValues()) : null;

    public double[] MagnitudeValues()
    {
        using Tensor host = Magnitudes.detach().cpu();
        return host.data<float>().Select(v => (double)v).ToArray();
    }

    /// <summary>The trainable tensors by checkpoint name: the current direction's factors and, when trainable, the magnitudes.</summary>
    public IEnumerable<(string Name, Tensor Parameter)> TrainableParameters()
    {
        if (_current is { } d)
        {
            int i = _frozen.Count;
            for (int b = 0; b < shape.Depth; b++)
            {
                for (int p = 0; p < 2; p++)
                {
                    yield return (DirectionFamily.FactorName(i, b, p, up: false), d.A(b, p));
                    yield return (DirectionFamily.FactorName(i, b, p, up: true), d.B(b, p));
                }
            }
        }
        if (_magnitudes is { requires_grad: true }) yield return (DirectionFamily.MagnitudesName, _magnitudes);
    }

    /// <summary>Every direction in the checkpoint form, each with the norms the model divides it by right now.</summary>
    public IReadOnlyList<LoraDirection> Export()
    {
        LoraDirection Convert(Direction d, float[,] norms) => new(
            Enumerable.Range(0, shape.Depth).Select(b => new LoraFactors(HostTensors.From(d.Aq[b]), HostTensors.From(d.Bq[b]))).ToArray(),
            Enumerable.Range(0, shape.Depth).Select(b => new LoraFactors(HostTensors.From(d.Av[b]), HostTensors.From(d.Bv[b]))).ToArray(),
            norms, d.Offsets.Cast<float>().All(o => o == 0) ? null : (float[,])d.Offsets.Clone());
        var directions = _frozen.Select(d => Convert(d, (float[,])d.Norms.Clone())).ToList();
        if (_current is { } current) directions.Add(Convert(current, CurrentNorm is { } norm ? NormsOf(current, norm) : Ones()));
        return directions;
    }

    /// <summary>Whether autograd tracks the magnitudes in this forward (training them), as opposed to evaluating.</summary>
    bool Tracking => is_grad_enabled() && Magnitudes.requires_grad;

    /// <summary>
    /// Whether the frozen directions are folded into the qkv weight this forward: while training the magnitudes, when the
    /// frozen rank makes it cheaper (see the class summary); otherwise when the magnitudes are fixed, once, cached.
    /// Evaluating mid-training (magnitudes trainable, not tracked) keeps the stacked products: a fold there would be
    /// rebuilt on every forward.
    /// </summary>
    bool FoldsFrozen => _frozenRank > 0 && (Tracking ? _frozenRank >= _foldFromRank : !Magnitudes.requires_grad);

    public Tensor QkvWeight(int block, Tensor weight)
    {
        if (!FoldsFrozen) return weight;
        return Tracking ? Folded(block, weight) : _folded[block] ??= Folded(block, weight).DetachFromDisposeScope();
    }

    Tensor Folded(int block, Tensor weight)
    {
        using var scope = NewDisposeScope();
        Tensor q = FrozenWeight(block, 0), v = FrozenWeight(block, 1);
        return weight.add(cat([q, zeros_like(q), v], 0), Scalars.One).MoveToOuterDisposeScope();
    }

    public Tensor Apply(int block, Tensor x, Tensor qkv)
    {
        bool stacked = _frozenRank > 0 && !FoldsFrozen;
        if (!stacked && _current is null) return qkv;
        Tensor[] parts = qkv.chunk(3, -1);
        return cat([parts[0].add(Delta(block, 0, x, stacked), Scalars.One), parts[1], parts[2].add(Delta(block, 1, x, stacked), Scalars.One)], -1);
    }

    /// <summary>The frozen directions of one block and projection as a dense [dim, dim] weight: B·diag(s)·A.</summary>
    Tensor FrozenWeight(int block, int projection)
    {
        var (a, b, _, _, _) = _stacks[block, projection]!.Value;
        return b.mul(FrozenScales(block, projection)).matmul(a);
    }

    /// <summary>
    /// The factor on the gradient the frozen directions' magnitudes get while training (1: SD-LoRA; 0 holds them still).
    /// With SGD without weight decay that is exactly their learning rate's factor: the momentum buffer is linear in it.
    /// </summary>
    public double OldMagnitudeGradientScale { get; set; } = 1;

    /// <summary>Per stacked column: (α + o) / n of the direction it belongs to.</summary>
    Tensor FrozenScales(int block, int projection)
    {
        var (_, _, owner, inverseNorm, offset) = _stacks[block, projection]!.Value;
        Tensor magnitudes = FrozenMagnitudes().index_select(0, owner);
        if (offset is not null) magnitudes = magnitudes.add(offset, Scalars.One);
        return magnitudes.mul(inverseNorm);
    }

    /// <summary>The magnitudes as the frozen directions read them: α·s + α.detach()·(1 − s), the value α with its gradient times s.</summary>
    Tensor FrozenMagnitudes()
    {
        double scale = OldMagnitudeGradientScale;
        if (scale == 1 || !Tracking) return Magnitudes;
        using Scalar kept = scale.ToScalar(), held = (1 - scale).ToScalar();
        return Magnitudes.mul(kept).add(Magnitudes.detach().mul(held), Scalars.One);
    }

    Tensor Delta(int block, int projection, Tensor x, bool stacked)
    {
        Tensor? delta = null;
        if (stacked && _stacks[block, projection] is var (a, b, _, _, _))
            delta = x.matmul(a.t()).mul(FrozenScales(block, projection)).matmul(b.t());
        if (_current is { } current)
        {
            Tensor ca = current.A(block, projection), cb = current.B(block, projection);
            Tensor scale = Magnitudes[_frozen.Count];
            if (CurrentNorm is { } norm) scale = scale.div(LiveNorm(ca, cb, norm));
            Tensor live = x.matmul(ca.t()).mul(scale).matmul(cb.t());
            delta = delta is null ? live : delta.add(live, Scalars.One);
        }
        return delta!;
    }

    /// <summary>
    /// SD-LoRA-KD: drops the trainable direction in every absorbed module (its factors become rank 0) and adds the fit's
    /// offsets to the frozen directions there, which keeps the model's function within the fit's residual.
    /// </summary>
    public void Absorb(IEnumerable<ModuleFit> fits)
    {
        Direction current = _current ?? throw new InvalidOperationException("No trainable direction to absorb.");
        foreach (ModuleFit fit in fits.Where(f => f.Absorbed))
        {
            for (int k = 0; k < _frozen.Count; k++) _frozen[k].Offsets[fit.Block, fit.Projection] += (float)fit.OffsetDeltas[k];
            Tensor[] a = fit.Projection == 0 ? current.Aq : current.Av, b = fit.Projection == 0 ? current.Bq : current.Bv;
            a[fit.Block].Dispose();
            b[fit.Block].Dispose();
            a[fit.Block] = zeros([0, shape.Dim], device: device);
            b[fit.Block] = zeros([shape.Dim, 0], device: device);
        }
        RebuildStacks();
    }

    void Freeze(Direction direction)
    {
        _frozen.Add(direction);
        RebuildStacks();
    }

    void RebuildStacks()
    {
        foreach ((Tensor A, Tensor B, Tensor Owner, Tensor InverseNorm, Tensor? Offset)? stack in _stacks) DisposeStack(stack);
        _stacks = new (Tensor, Tensor, Tensor, Tensor, Tensor?)?[shape.Depth, 2];
        _frozenRank = 0;
        DropFolded();
        if (_frozen.Count == 0) return;
        for (int b = 0; b < shape.Depth; b++)
        {
            for (int p = 0; p < 2; p++)
            {
                float[] PerColumn(Func<Direction, float> value) => _frozen.SelectMany(d => Enumerable.Repeat(value(d), (int)d.A(b, p).shape[0])).ToArray();
                long[] owner = _frozen.SelectMany((d, i) => Enumerable.Repeat((long)i, (int)d.A(b, p).shape[0])).ToArray();
                float[] offsets = PerColumn(d => d.Offsets[b, p]);
                _stacks[b, p] = (cat(_frozen.Select(d => d.A(b, p)).ToArray(), 0), cat(_frozen.Select(d => d.B(b, p)).ToArray(), 1),
                                 tensor(owner, device: device), tensor(PerColumn(d => 1 / d.Norms[b, p]), device: device),
                                 offsets.Any(o => o != 0) ? tensor(offsets, device: device) : null);
                _frozenRank = Math.Max(_frozenRank, owner.Length);
            }
        }
    }

    void DropFolded()
    {
        foreach (Tensor? folded in _folded) folded?.Dispose();
        _folded = new Tensor?[shape.Depth];
    }

    float[,] NormsOf(Direction d, DirectionNorm norm)
    {
        var norms = new float[shape.Depth, 2];
        for (int b = 0; b < shape.Depth; b++)
        {
            for (int p = 0; p < 2; p++)
            {
                using Tensor value = LiveNorm(d.A(b, p), d.B(b, p), norm);
                using Tensor host = value.cpu();
                norms[b, p] = host.item<float>();
            }
        }
        return norms;
    }

    /// <summary>The direction's norm as a constant tensor; 1 for an all-zero direction (it contributes nothing either way).</summary>
    static Tensor LiveNorm(Tensor a, Tensor b, DirectionNorm norm)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        Tensor value = norm == DirectionNorm.FactorProduct ? b.norm().mul(a.norm()) : b.matmul(a).norm();
        return value.where(value.gt(Scalars.Zero), ones_like(value)).MoveToOuterDisposeScope();
    }

    Tensor[] Blocks(Func<int, Tensor> create) => Enumerable.Range(0, shape.Depth).Select(create).ToArray();

    float[,] Ones()
    {
        var ones = new float[shape.Depth, 2];
        for (int b = 0; b < shape.Depth; b++) ones[b, 0] = ones[b, 1] = 1;
        return ones;
    }

    static Tensor[] Detached(Tensor[] tensors) => tensors.Select(t =>
    {
        using Tensor view = t.detach();
        return view.clone();
    }).ToArray();

    static void DisposeStack((Tensor A, Tensor B, Tensor Owner, Tensor InverseNorm, Tensor? Offset)? stack)
    {
        if (stack is not var (a, b, owner, inverse, offset)) return;
        a.Dispose();
        b.Dispose();
        owner.Dispose();
        inverse.Dispose();
        offset?.Dispose();
    }

    public void Dispose()
    {
        foreach ((Tensor A, Tensor B, Tensor Owner, Tensor InverseNorm, Tensor? Offset)? stack in _stacks) DisposeStack(stack);
        DropFolded();
        _magnitudes?.Dispose();
        foreach (Tensor t in _frozen.Concat(_current is null ? [] : [_current]).SelectMany(d => d.All)) t.Dispose();
    }
}
