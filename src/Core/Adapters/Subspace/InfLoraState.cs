using Cltool.Core.Weights;

namespace Cltool.Core.Adapters.Subspace;

/// <summary>
/// InfLoRA's adapter in a checkpoint: per adapted block (the first <c>Tasks.Length</c> of <see cref="Depth"/>) every task's
/// factors so far and the stored subspace. Folded, each block's k rows get Σ_t KeyUp_t·Down_t and its v rows
/// Σ_t ValueUp_t·Down_t, accumulated in float64 and cast to float32 once; unmerged, every task's factors are one rank-r
/// part per projection of a single branch. The subspace is what resume and the next task's design need; export ignores it.
/// </summary>
public sealed record InfLoraState(int Depth, InfLoraFactors[][] Tasks, SubspaceBasis[] Subspaces) : IAdapterState
{
    const int KeyRows = 1, ValueRows = 2;

    public long Parameters => Tasks.Sum(block => block.Sum(task => task.Parameters));
    public long SubspaceBytes => Subspaces.Sum(basis => basis.Bytes);

    public void WriteTo(SafeTensorsWriter writer)
    {
        for (int block = 0; block < Tasks.Length; block++)
        {
            for (int task = 0; task < Tasks[block].Length; task++)
            {
                InfLoraFactors factors = Tasks[block][task];
                writer.Add(SubspaceFamily.DownName(block, task), factors.Down.Data, factors.Down.Shape);
                writer.Add(SubspaceFamily.UpName(block, task, SubspaceFamily.Key), factors.KeyUp.Data, factors.KeyUp.Shape);
                writer.Add(SubspaceFamily.UpName(block, task, SubspaceFamily.Value), factors.ValueUp.Data, factors.ValueUp.Shape);
            }
            SubspaceBasis basis = Subspaces[block];
            if (basis.Size > 0) writer.Add(SubspaceFamily.SubspaceName(block), basis.Columns, [basis.Dim, basis.Size]);
        }
    }

    public void FoldInto(IDictionary<string, HostTensor> weights)
    {
        for (int block = 0; block < Tasks.Length; block++)
        {
            HostTensor qkv = weights[$"blocks.{block}.attn.qkv.weight"];
            QkvRows.Add(qkv, KeyRows, Sum(Tasks[block], factors => factors.Key));
            QkvRows.Add(qkv, ValueRows, Sum(Tasks[block], factors => factors.Value));
        }
    }

    /// <summary>Σ over tasks of one projection's B·A, dense [dim, dim] float64.</summary>
    static double[] Sum(InfLoraFactors[] tasks, Func<InfLoraFactors, LoraFactors> projection)
    {
        long dim = tasks.Length == 0 ? 0 : tasks[0].Down.Shape[1];
        var delta = new double[dim * dim];
        foreach (InfLoraFactors factors in tasks) projection(factors).AddScaledProduct(delta, 1);
        return delta;
    }

    public IReadOnlyList<QkvLowRankBranch> Branches()
    {
        int dim = Subspaces.Length > 0 ? Subspaces[0].Dim : 0;
        var packed = Enumerable.Range(0, Depth).Select(block => QkvLowRankBranch.Pack(block < Tasks.Length
            ? Tasks[block].SelectMany(factors => new[] { new QkvLowRankBranch.Part(KeyRows, factors.Key), new QkvLowRankBranch.Part(ValueRows, factors.Value) }).ToArray()
            : [], dim)).ToArray();
        return [new QkvLowRankBranch(0, packed.Select(p => p.Down).ToArray(), packed.Select(p => p.Up).ToArray(), 1, new HostTensor?[Depth])];
    }

    /// <summary>Per adapted block: the stored subspace's size and the size of the k and v updates.</summary>
    public AdapterTable Describe()
    {
        static string Norm(double[] delta) => $"{Math.Sqrt(delta.Sum(v => v * v)):F4}";
        var rows = Tasks.Select((tasks, block) => new[]
        {
            $"{block}", $"{Subspaces[block].Size}/{Subspaces[block].Dim}", $"{tasks.Length}",
            Norm(Sum(tasks, f => f.Key)), Norm(Sum(tasks, f => f.Value)),
        }).ToArray();
        long rank = Tasks.Length > 0 && Tasks[0].Length > 0 ? Tasks[0][0].Down.Shape[0] : 0;
        return new AdapterTable($"rank {rank} per task on k and v of {Tasks.Length}/{Depth} blocks, {Parameters:N0} parameters, subspace {SubspaceBytes:N0} bytes",
            ["block", "subspace", "tasks", "k: ‖ΔW‖_F", "v: ‖ΔW‖_F"], rows);
    }
}
