using Cltool.Core.Continual;
using Cltool.Core.Weights;

namespace Cltool.Exporter.Folding;

/// <summary>
/// SD-LoRA (every variant) and single-LoRA methods: per block, the q rows and the v rows of the fused qkv weight get
/// Σ_i (α_i + o_i) / n_i · B_i A_i (SD-LoRA §8.2; o_i SD-LoRA-KD's offsets), accumulated in float64 and cast to float32 once.
/// </summary>
sealed class LoraDirectionFold : IAdapterFold
{
    public IReadOnlyCollection<string> MethodNames { get; } = [Methods.SdLora, Methods.SdLoraPaper, Methods.SdLoraRr, Methods.SdLoraKd, Methods.SeqLora, Methods.Joint];

    public void FoldInto(ContinualCheckpoint checkpoint, Dictionary<string, HostTensor> weights)
    {
        int dim = checkpoint.Config.Dim;
        for (int block = 0; block < checkpoint.Config.Depth; block++)
        {
            HostTensor qkv = weights[$"blocks.{block}.attn.qkv.weight"];
            for (int projection = 0; projection < 2; projection++)
            {
                var delta = new double[dim * dim];
                for (int i = 0; i < checkpoint.Directions.Count; i++)
                {
                    LoraDirection direction = checkpoint.Directions[i];
                    direction.Factors(block, projection).AddScaledProduct(delta, direction.Scale(checkpoint.Magnitudes[i], block, projection));
                }
                QkvRows.Add(qkv, projection == 0 ? 0 : 2, delta);
            }
        }
    }

    public IReadOnlyList<QkvLowRankBranch> Branches(ContinualCheckpoint checkpoint) =>
        checkpoint.Directions.Select((direction, i) =>
        {
            var packed = Enumerable.Range(0, checkpoint.Config.Depth).Select(b => QkvLowRankBranch.Pack(
                [new(0, Normalised(direction, b, 0)), new(2, Normalised(direction, b, 1))], checkpoint.Config.Dim)).ToArray();
            return new QkvLowRankBranch(i, packed.Select(p => p.Down).ToArray(), packed.Select(p => p.Up).ToArray(),
                (float)checkpoint.Magnitudes[i], Enumerable.Range(0, checkpoint.Config.Depth).Select(b => RankOffsets(direction, b)).ToArray());
        }).ToArray();

    /// <summary>The factors of one module with B divided by the direction's norm there.</summary>
    static LoraFactors Normalised(LoraDirection direction, int block, int projection)
    {
        LoraFactors factors = direction.Factors(block, projection);
        float norm = direction.Norms[block, projection];
        return factors with { B = factors.B with { Data = factors.B.Data.Select(v => v / norm).ToArray() } };
    }

    /// <summary>Each rank's KD offset ([r_q + r_v]: q's offset, then v's), or null when the block has none.</summary>
    static HostTensor? RankOffsets(LoraDirection direction, int block)
    {
        if (direction.Offsets is not { } offsets || (offsets[block, 0] == 0 && offsets[block, 1] == 0)) return null;
        int rq = (int)direction.Query[block].Rank, rv = (int)direction.Value[block].Rank;
        return new HostTensor([.. Enumerable.Repeat(offsets[block, 0], rq), .. Enumerable.Repeat(offsets[block, 1], rv)], [rq + rv]);
    }
}
