using Cltool.Core.Weights;

namespace Cltool.Core.Adapters.Directions;

/// <summary>
/// Every task's direction and its magnitude, as the model uses them at one stage. Folded, per block, the q rows and the v
/// rows of the fused qkv weight get Σ_i (α_i + o_i) / n_i · B_i A_i (SD-LoRA §8.2; o_i SD-LoRA-KD's offsets), accumulated
/// in float64 and cast to float32 once.
/// </summary>
public sealed record DirectionSet(IReadOnlyList<LoraDirection> Directions, double[] Magnitudes) : IAdapterState
{
    int Depth => Directions[0].Query.Length;
    int Dim => (int)Directions[0].Query[0].A.Shape[1];

    public void WriteTo(SafeTensorsWriter writer)
    {
        writer.Add(DirectionFamily.MagnitudesName, Magnitudes.Select(m => (float)m).ToArray(), [Magnitudes.Length]);
        for (int i = 0; i < Directions.Count; i++)
        {
            LoraDirection direction = Directions[i];
            for (int block = 0; block < Depth; block++)
            {
                for (int projection = 0; projection < 2; projection++)
                {
                    LoraFactors factors = direction.Factors(block, projection);
                    writer.Add(DirectionFamily.FactorName(i, block, projection, up: false), factors.A.Data, factors.A.Shape);
                    writer.Add(DirectionFamily.FactorName(i, block, projection, up: true), factors.B.Data, factors.B.Shape);
                }
            }
            writer.Add(DirectionFamily.NormsName(i), direction.Norms.Cast<float>().ToArray(), [Depth, 2]);
            if (direction.Offsets is { } offsets) writer.Add(DirectionFamily.OffsetsName(i), offsets.Cast<float>().ToArray(), [Depth, 2]);
        }
    }

    public void FoldInto(IDictionary<string, HostTensor> weights)
    {
        for (int block = 0; block < Depth; block++)
        {
            HostTensor qkv = weights[$"blocks.{block}.attn.qkv.weight"];
            for (int projection = 0; projection < 2; projection++)
            {
                var delta = new double[Dim * Dim];
                for (int i = 0; i < Directions.Count; i++)
                    Directions[i].Factors(block, projection).AddScaledProduct(delta, Directions[i].Scale(Magnitudes[i], block, projection));
                QkvRows.Add(qkv, DirectionFamily.Projections[projection].RowBlock, delta);
            }
        }
    }

    public IReadOnlyList<QkvLowRankBranch> Branches() =>
        Directions.Select((direction, i) =>
        {
            var packed = Enumerable.Range(0, Depth).Select(b => QkvLowRankBranch.Pack(
                [.. Enumerable.Range(0, 2).Select(p => new QkvLowRankBranch.Part(DirectionFamily.Projections[p].RowBlock, Normalised(direction, b, p)))], Dim)).ToArray();
            return new QkvLowRankBranch(i, packed.Select(p => p.Down).ToArray(), packed.Select(p => p.Up).ToArray(),
                (float)Magnitudes[i], Enumerable.Range(0, Depth).Select(b => RankOffsets(direction, b)).ToArray());
        }).ToArray();

    /// <summary>Per direction: rank, magnitude, modules stored or absorbed (SD-LoRA-KD), offsets, parameters.</summary>
    public AdapterTable Describe()
    {
        int modules = 2 * Depth;
        return new AdapterTable("", ["direction", "rank", "magnitude", "modules stored", "absorbed (kd)", "modules with kd offsets", "parameters"],
            Directions.Select((direction, i) =>
            {
                int stored = direction.Query.Concat(direction.Value).Count(f => f.Rank > 0);
                int offsets = direction.Offsets?.Cast<float>().Count(o => o != 0) ?? 0;
                return new[] { $"{i + 1}", $"{direction.Query.Max(f => f.Rank)}", $"{Magnitudes[i]:F4}", $"{stored}/{modules}",
                               $"{modules - stored}", $"{offsets}", direction.Parameters.ToString("N0") };
            }).ToArray());
    }

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
