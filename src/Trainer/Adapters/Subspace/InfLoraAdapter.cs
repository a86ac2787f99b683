using Cltool.Core.Adapters;
using Cltool.Core.Adapters.Subspace;
using Cltool.Core.Continual;
using Cltool.Core.Weights;
using Cltool.Trainer.Continual;
using Cltool.Trainer.Models;
using Cltool.Trainer.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace Cltool.Trainer.Adapters.Subspace;

/// <summary>
/// InfLoRA on the k and v rows of the first <c>adapted</c> blocks' fused qkv: per task and block a designed, frozen
/// down-projection A_t [r, dim] shared by k and v and zero-initialised up-projections B_k,t and B_v,t [dim, r]; the block
/// adds x·A_allᵀ·B_allᵀ over every task so far (the official code's sum of branches), and only the current task's B train.
/// While measuring, it also accumulates Σ xxᵀ of each adapted block's input in float64 (the code's cur_matrix).
/// </summary>
public sealed class InfLoraAdapter(ViTShape shape, int adapted, int rank, Device device) : IContinualAdapter
{
    sealed class Task(Tensor down, Tensor keyUp, Tensor valueUp)
    {
        public readonly Tensor Down = down, KeyUp = keyUp, ValueUp = valueUp;
        public IEnumerable<Tensor> All => [Down, KeyUp, ValueUp];
    }

    readonly List<Task>[] _tasks = Enumerable.Range(0, adapted).Select(_ => new List<Task>()).ToArray();
    Tensor[]? _moments;
    long[] _tokens = [];
    bool _training;

    /// <summary>The subspace each adapted block's earlier tasks occupy.</summary>
    public SubspaceBasis[] Subspaces { get; set; } = Enumerable.Range(0, adapted).Select(_ => SubspaceBasis.Empty(shape.Dim)).ToArray();

    public int Tasks => _tasks[0].Count;

    /// <summary>Starts accumulating every adapted block's input second moments (the next forwards are measured, not trained).</summary>
    public void StartMeasuring()
    {
        if (_moments is not null) throw new InvalidOperationException("The adapter is already measuring its inputs.");
        _moments = Enumerable.Range(0, adapted).Select(_ => zeros([shape.Dim, shape.Dim], float64)).ToArray();
        _tokens = new long[adapted];
    }

    /// <summary>The measured C = Σ xxᵀ / tokens per adapted block (float64, CPU; the caller owns them); measuring stops.</summary>
    public Tensor[] StopMeasuring()
    {
        Tensor[] moments = _moments ?? throw new InvalidOperationException("The adapter is not measuring its inputs.");
        _moments = null;
        for (int block = 0; block < adapted; block++)
        {
            if (_tokens[block] == 0) throw new InvalidOperationException($"Block {block} saw no input while measuring.");
            using Scalar tokens = ((double)_tokens[block]).ToScalar();
            moments[block].div_(tokens);
        }
        return moments;
    }

    /// <summary>
    /// A new task: its designed down-projections (one per adapted block, any dtype) and zero up-projections, which train;
    /// the earlier tasks' are frozen (a run resumed at a task's end restored them trainable, as it cannot tell that end
    /// from its last epoch's).
    /// </summary>
    public void StartTask(IReadOnlyList<Tensor> downs)
    {
        if (_training) FinishTask();
        for (int block = 0; block < adapted; block++)
            _tasks[block].Add(new Task(downs[block].to(float32).to(device), NewUp(), NewUp()));
        _training = true;
    }

    Tensor NewUp() => zeros([shape.Dim, rank], device: device).requires_grad_(true);

    /// <summary>Per adapted block, the rows of the last task's down-projection the design filled (the free-space guard leaves the others 0).</summary>
    public int[] DesignedRows()
    {
        using var scope = NewDisposeScope();
        return _tasks.Select(tasks => (int)tasks[^1].Down.abs().amax(1).count_nonzero().item<long>()).ToArray();
    }

    /// <summary>The end of a task: its up-projections are frozen from now on.</summary>
    public void FinishTask()
    {
        foreach (Task task in _tasks.Select(tasks => tasks[^1])) { task.KeyUp.requires_grad_(false); task.ValueUp.requires_grad_(false); }
        _training = false;
    }

    /// <summary>Restores a checkpoint's tasks and subspaces; <paramref name="trainLast"/>: the last task's up-projections train (a resumed run).</summary>
    public void Load(InfLoraState? stored, bool trainLast)
    {
        if (Tasks > 0) throw new InvalidOperationException("The InfLoRA adapter already holds tasks.");
        if (stored is null) return;
        Tensor Copy(HostTensor host, bool grad) => tensor(host.Data, host.Shape).to(device).requires_grad_(grad);
        for (int block = 0; block < adapted; block++)
        {
            InfLoraFactors[] tasks = stored.Tasks[block];
            for (int t = 0; t < tasks.Length; t++)
            {
                bool trains = trainLast && t == tasks.Length - 1;
                _tasks[block].Add(new Task(Copy(tasks[t].Down, false), Copy(tasks[t].KeyUp, trains), Copy(tasks[t].ValueUp, trains)));
            }
        }
        Subspaces = stored.Subspaces;
        _training = trainLast && Tasks > 0;
    }

    public Tensor Apply(int block, Tensor x, Tensor qkv)
    {
        if (block >= adapted) return qkv;
        if (_moments is not null) Measure(block, x);
        List<Task> tasks = _tasks[block];
        if (tasks.Count == 0) return qkv;
        Tensor[] parts = qkv.chunk(3, -1);
        Tensor hidden = x.matmul(cat(tasks.Select(t => t.Down).ToArray(), 0).t());
        parts[1] = parts[1].add(hidden.matmul(cat(tasks.Select(t => t.KeyUp).ToArray(), 1).t()), Scalars.One);
        parts[2] = parts[2].add(hidden.matmul(cat(tasks.Select(t => t.ValueUp).ToArray(), 1).t()), Scalars.One);
        return cat(parts, -1);
    }

    void Measure(int block, Tensor x)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        Tensor tokens = x.reshape(-1, shape.Dim).to(float64).cpu();
        _moments![block].add_(tokens.t().mm(tokens), Scalars.One);
        _tokens[block] += tokens.shape[0];
    }

    public IEnumerable<(string Name, Tensor Parameter)> TrainableParameters()
    {
        if (!_training) yield break;
        for (int block = 0; block < adapted; block++)
        {
            Task task = _tasks[block][^1];
            yield return (SubspaceFamily.UpName(block, Tasks - 1, SubspaceFamily.Key), task.KeyUp);
            yield return (SubspaceFamily.UpName(block, Tasks - 1, SubspaceFamily.Value), task.ValueUp);
        }
    }

    /// <summary>Earlier tasks' factors are frozen directions; the last task's (its designed A, its B) the current adapter.</summary>
    public IEnumerable<ParameterGroup> CountParameters(Func<Tensor, bool> trains)
    {
        yield return ParameterCensus.Group(ParameterGroups.FrozenDirections, _tasks.SelectMany(tasks => tasks.SkipLast(1)).SelectMany(t => t.All), trains);
        yield return ParameterCensus.Group(ParameterGroups.CurrentAdapter, _tasks.SelectMany(tasks => tasks.TakeLast(1)).SelectMany(t => t.All), trains);
    }

    public int ForwardRank => rank * Math.Max(Tasks, 1);

    public IAdapterState? State() => Tasks == 0 ? null : new InfLoraState(shape.Depth,
        _tasks.Select(tasks => tasks.Select(t => new InfLoraFactors(HostTensors.From(t.Down), HostTensors.From(t.KeyUp), HostTensors.From(t.ValueUp))).ToArray()).ToArray(),
        Subspaces);

    public void Dispose()
    {
        foreach (Tensor t in _tasks.SelectMany(tasks => tasks).SelectMany(t => t.All)) t.Dispose();
        foreach (Tensor t in _moments ?? []) t.Dispose();
    }
}
