using Cltool.Core.Weights;

namespace Cltool.Core.Adapters;

/// <summary>
/// One low-rank branch on every block's fused qkv, left unmerged: qkv += magnitude · (x·Down)·Up, with Down [dim, r]
/// and Up [r, 3·dim] per block (zero in the columns the adapter does not touch, as PEFT's merged-qkv LoRA). Where
/// SD-LoRA-KD gave the block offsets, RankOffsets [r] holds each rank's (its projection's) offset and the branch is
/// ((x·Down)·(magnitude + RankOffsets))·Up; a block with r = 0 (absorbed in q and v) has no branch.
/// </summary>
public sealed record QkvLowRankBranch(int Index, IReadOnlyList<HostTensor> Down, IReadOnlyList<HostTensor> Up, float Magnitude,
                                      IReadOnlyList<HostTensor?> RankOffsets)
{
    /// <summary>One projection's factors in a block: its row block of qkv (0 q, 1 k, 2 v), Down [r, dim] and Up [dim, r] (any scale folded in).</summary>
    public sealed record Part(int RowBlock, LoraFactors Factors);

    /// <summary>A block's parts packed side by side: Down = [A_1ᵀ | A_2ᵀ | …] [dim, Σr], Up with B_iᵀ in part i's columns [Σr, 3·dim].</summary>
    public static (HostTensor Down, HostTensor Up) Pack(IReadOnlyList<Part> parts, int dim)
    {
        int rank = parts.Sum(p => (int)p.Factors.Rank);
        var down = new float[dim * rank];
        var up = new float[rank * 3 * dim];
        int first = 0;
        foreach (Part part in parts)
        {
            int r = (int)part.Factors.Rank;
            float[] a = part.Factors.A.Data, b = part.Factors.B.Data;
            for (int k = 0; k < r; k++)
            {
                for (int column = 0; column < dim; column++) down[column * rank + first + k] = a[k * dim + column];
                for (int row = 0; row < dim; row++) up[(first + k) * 3 * dim + part.RowBlock * dim + row] = b[row * r + k];
            }
            first += r;
        }
        return (new HostTensor(down, [dim, rank]), new HostTensor(up, [rank, 3 * dim]));
    }
}
