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
                int firstRow = projection == 0 ? 0 : 2 * dim;   // rows q | k | v
                for (int k = 0; k < delta.Length; k++) qkv.Data[firstRow * dim + k] = (float)(qkv.Data[firstRow * dim + k] + delta[k]);
            }
        }
    }

    public IReadOnlyList<QkvLowRankBranch> Branches(ContinualCheckpoint checkpoint) =>
        checkpoint.Directions.Select((direction, i) =>
        {
            var blocks = Enumerable.Range(0, checkpoint.Config.Depth);
            return new QkvLowRankBranch(i,
                blocks.Select(b => Down(direction.Query[b], direction.Value[b], checkpoint.Config.Dim)).ToArray(),
                blocks.Select(b => Up(direction, b, checkpoint.Config.Dim)).ToArray(),
                (float)checkpoint.Magnitudes[i], blocks.Select(b => RankOffsets(direction, b)).ToArray());
        }).ToArray();

    /// <summary>Each rank's KD offset ([r_q + r_v]: q's offset, then v's), or null when the block has none.</summary>
    static HostTensor? RankOffsets(LoraDirection direction, int block)
    {
        if (direction.Offsets is not { } offsets || (offsets[block, 0] == 0 && offsets[block, 1] == 0)) return null;
        int rq = (int)direction.Query[block].Rank, rv = (int)direction.Value[block].Rank;
        return new HostTensor([.. Enumerable.Repeat(offsets[block, 0], rq), .. Enumerable.Repeat(offsets[block, 1], rv)], [rq + rv]);
    }

    /// <summary>[A_qᵀ | A_vᵀ]: [dim, r_q + r_v].</summary>
    static HostTensor Down(LoraFactors query, LoraFactors value, int dim)
    {
        int rq = (int)query.Rank, rank = rq + (int)value.Rank;
        var down = new float[dim * rank];
        for (int column = 0; column < dim; column++)
        {
            for (int k = 0; k < rq; k++) down[column * rank + k] = query.A.Data[k * dim + column];
            for (int k = rq; k < rank; k++) down[column * rank + k] = value.A.Data[(k - rq) * dim + column];
        }
        return new HostTensor(down, [dim, rank]);
    }

    /// <summary>(B_q/n_q)ᵀ in the q columns and (B_v/n_v)ᵀ in the v columns of a [r_q + r_v, 3·dim] matrix, zero elsewhere.</summary>
    static HostTensor Up(LoraDirection direction, int block, int dim)
    {
        LoraFactors query = direction.Query[block], value = direction.Value[block];
        int rq = (int)query.Rank, rank = rq + (int)value.Rank;
        var up = new float[rank * 3 * dim];
        for (int row = 0; row < dim; row++)
        {
            for (int k = 0; k < rq; k++) up[k * 3 * dim + row] = query.B.Data[row * rq + k] / direction.Norms[block, 0];
            for (int k = rq; k < rank; k++) up[k * 3 * dim + 2 * dim + row] = value.B.Data[row * (rank - rq) + k - rq] / direction.Norms[block, 1];
        }
        return new HostTensor(up, [rank, 3 * dim]);
    }
}
