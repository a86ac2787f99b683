namespace Cltool.Core.Adapters.Directions;

/// <summary>
/// One task's direction on every block's q and v rows. In the model it contributes
/// <c>(magnitude + Offsets[block, q|v]) · B·A / Norms[block, q|v]</c>; a norm of 1 means the direction is used unnormalised.
/// Offsets are SD-LoRA-KD's per-module magnitude offsets (null: none); a module whose factors have rank 0 was absorbed
/// into the earlier directions by SD-LoRA-KD and stores nothing.
/// </summary>
public sealed record LoraDirection(LoraFactors[] Query, LoraFactors[] Value, float[,] Norms, float[,]? Offsets = null)
{
    /// <summary>The factors of one module: <paramref name="projection"/> 0 is q, 1 is v (<see cref="DirectionFamily.Projections"/>).</summary>
    public LoraFactors Factors(int block, int projection) => projection == 0 ? Query[block] : Value[block];

    /// <summary>What multiplies B·A in one module: the effective magnitude over the norm.</summary>
    public double Scale(double magnitude, int block, int projection) =>
        (magnitude + (Offsets?[block, projection] ?? 0)) / Norms[block, projection];

    /// <summary>The stored factor numbers (absorbed modules store none).</summary>
    public long Parameters => Query.Concat(Value).Sum(f => f.A.Data.LongLength + f.B.Data.LongLength);
}
