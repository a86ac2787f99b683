namespace Cltool.Core.Adapters.Subspace;

/// <summary>
/// The subspace of one block's attention inputs that earlier tasks occupy (the code's feature_list M): orthonormal
/// columns [dim, size], row-major, in float64 so a resumed run rereads exactly what it wrote.
/// </summary>
public sealed record SubspaceBasis(int Dim, double[] Columns)
{
    public int Size => Columns.Length / Dim;

    public static SubspaceBasis Empty(int dim) => new(dim, []);

    public long Bytes => sizeof(double) * Columns.LongLength;

    /// <summary>The largest |MᵀM − I| entry: how far the columns are from orthonormal.</summary>
    public double OrthonormalityError()
    {
        int size = Size;
        double worst = 0;
        for (int i = 0; i < size; i++)
            for (int j = 0; j < size; j++)
            {
                double dot = 0;
                for (int row = 0; row < Dim; row++) dot += Columns[row * size + i] * Columns[row * size + j];
                worst = Math.Max(worst, Math.Abs(dot - (i == j ? 1 : 0)));
            }
        return worst;
    }
}
