using Cltool.Core.Weights;

namespace Cltool.Core.Adapters;

/// <summary>One low-rank factor pair: A [rank, dim] (down-projection) and B [dim, rank] (up-projection), so ΔW = B·A.</summary>
public sealed record LoraFactors(HostTensor A, HostTensor B)
{
    public long Rank => A.Shape[0];

    /// <summary>B·A as a dense row-major [dim, dim] matrix in float64.</summary>
    public double[] Product()
    {
        long dim = A.Shape[1];
        var product = new double[dim * dim];
        AddScaledProduct(product, 1);
        return product;
    }

    /// <summary><paramref name="into"/> += scale · B·A, with <paramref name="into"/> a dense row-major [dim, dim] float64 matrix.</summary>
    public void AddScaledProduct(double[] into, double scale) => LowRankProduct.Add(into, B.Data, A.Data, (int)Rank, scale);
}
