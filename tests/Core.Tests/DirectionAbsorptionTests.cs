using Cltool.Core.Adapters;
using Cltool.Core.Adapters.Directions;
using Cltool.Core.Continual;
using Cltool.Core.Weights;

namespace Cltool.Core.Tests;

/// <summary>SD-LoRA-KD's fit against independent float64 computations written out here.</summary>
public sealed class DirectionAbsorptionTests
{
    const int Dim = 8, Depth = 2;

    static LoraFactors Random(Random random, int rank, int firstColumn = 0, int columns = Dim)
    {
        var a = new float[rank * Dim];
        for (int k = 0; k < rank; k++)
            for (int c = firstColumn; c < firstColumn + columns; c++) a[k * Dim + c] = (float)(random.NextDouble() - 0.5);
        float[] b = Enumerable.Range(0, Dim * rank).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        return new LoraFactors(new HostTensor(a, [rank, Dim]), new HostTensor(b, [Dim, rank]));
    }

    /// <summary>c0·B0A0 + c1·B1A1 as one rank-(r0 + r1) factor pair: A stacked, B side by side and scaled.</summary>
    static LoraFactors Combination(LoraFactors first, double c0, LoraFactors second, double c1)
    {
        int r0 = (int)first.Rank, r1 = (int)second.Rank, rank = r0 + r1;
        float[] a = [.. first.A.Data, .. second.A.Data];
        var b = new float[Dim * rank];
        for (int row = 0; row < Dim; row++)
        {
            for (int k = 0; k < r0; k++) b[row * rank + k] = (float)(c0 * first.B.Data[row * r0 + k]);
            for (int k = 0; k < r1; k++) b[row * rank + r0 + k] = (float)(c1 * second.B.Data[row * r1 + k]);
        }
        return new LoraFactors(new HostTensor(a, [rank, Dim]), new HostTensor(b, [Dim, rank]));
    }

    static double FactorNorm(LoraFactors f) =>
        Math.Sqrt(f.A.Data.Sum(v => (double)v * v)) * Math.Sqrt(f.B.Data.Sum(v => (double)v * v));

    /// <summary>The code convention: earlier directions divided by ‖B‖‖A‖, the newest (still training) by 1.</summary>
    static LoraDirection Direction(Func<int, int, LoraFactors> factors, bool newest)
    {
        var query = Enumerable.Range(0, Depth).Select(b => factors(b, 0)).ToArray();
        var value = Enumerable.Range(0, Depth).Select(b => factors(b, 1)).ToArray();
        var norms = new float[Depth, 2];
        for (int b = 0; b < Depth; b++)
            for (int p = 0; p < 2; p++) norms[b, p] = newest ? 1 : (float)FactorNorm(p == 0 ? query[b] : value[b]);
        return new LoraDirection(query, value, norms);
    }

    /// <summary>Σ_i (α_i + o_i)/n_i · B_i A_i of one module, in float64: what the model adds to those weight rows.</summary>
    static double[] ModuleDelta(LoraDirection[] directions, double[] magnitudes, int block, int projection, double[]? offsets = null)
    {
        var delta = new double[Dim * Dim];
        for (int i = 0; i < directions.Length; i++)
        {
            double[] product = directions[i].Factors(block, projection).Product();
            double scale = (magnitudes[i] + (offsets?[i] ?? 0)) / directions[i].Norms[block, projection];
            for (int k = 0; k < delta.Length; k++) delta[k] += scale * product[k];
        }
        return delta;
    }

    [Fact]
    public void A_new_direction_that_is_a_combination_of_earlier_ones_is_absorbed_and_the_function_is_kept()
    {
        var random = new Random(3);
        var first = new LoraFactors[Depth, 2];
        var second = new LoraFactors[Depth, 2];
        for (int b = 0; b < Depth; b++)
            for (int p = 0; p < 2; p++) (first[b, p], second[b, p]) = (Random(random, 2), Random(random, 3));
        LoraDirection[] directions =
        [
            Direction((b, p) => first[b, p], newest: false),
            Direction((b, p) => second[b, p], newest: false),
            Direction((b, p) => Combination(first[b, p], 0.7, second[b, p], -1.9), newest: true),
        ];
        double[] magnitudes = [0.8, 1.2, 0.55];

        IReadOnlyList<ModuleFit> fits = DirectionAbsorption.Plan(directions, magnitudes, DirectionAbsorption.PaperThreshold);

        Assert.Equal(2 * Depth, fits.Count);
        foreach (ModuleFit fit in fits)
        {
            Assert.True(fit.Absorbed);
            Assert.True(fit.Residual < 1e-6, $"residual {fit.Residual:E2}");
            double[] before = ModuleDelta(directions, magnitudes, fit.Block, fit.Projection);
            double[] after = ModuleDelta(directions[..2], magnitudes[..2], fit.Block, fit.Projection, fit.OffsetDeltas);
            double scale = Math.Sqrt(before.Sum(v => v * v));
            double worst = before.Zip(after, (x, y) => Math.Abs(x - y)).Max();
            Assert.True(worst <= 1e-6 * scale, $"block {fit.Block} projection {fit.Projection}: |change| {worst:E2} of {scale:E2}");
        }
    }

    [Fact]
    public void A_direction_orthogonal_to_the_earlier_ones_is_kept_with_residual_one()
    {
        var random = new Random(4);
        // The earlier direction reads input columns 0-3, the new one columns 4-7: their Frobenius inner product is 0.
        LoraDirection[] directions =
        [
            Direction((_, _) => Random(random, 2, firstColumn: 0, columns: 4), newest: false),
            Direction((_, _) => Random(random, 2, firstColumn: 4, columns: 4), newest: true),
        ];

        IReadOnlyList<ModuleFit> fits = DirectionAbsorption.Plan(directions, [0.8, 0.8], threshold: 0.999);

        Assert.All(fits, fit =>
        {
            Assert.False(fit.Absorbed);
            Assert.Equal(1.0, fit.Residual, 12);
        });
    }

    [Fact]
    public void The_fit_equals_the_normal_equations_and_ignores_a_column_already_in_the_span()
    {
        var random = new Random(5);
        double[] Vector() => Enumerable.Range(0, 40).Select(_ => random.NextDouble() - 0.5).ToArray();
        double[] c0 = Vector(), c1 = Vector(), target = Vector();
        double[] dependent = c0.Select(v => -3 * v).ToArray();

        (double[] beta, double residual) = DirectionAbsorption.Fit([c0, dependent, c1], target);

        // Independent oracle: unit columns u0, u1 and unit target t; G β = b by Cramer's rule; residual² = 1 − bᵀβ.
        double Dot(double[] x, double[] y) => x.Zip(y, (a, b) => a * b).Sum();
        double[] Unit(double[] x) => x.Select(v => v / Math.Sqrt(Dot(x, x))).ToArray();
        double[] u0 = Unit(c0), u1 = Unit(c1), t = Unit(target);
        double g00 = Dot(u0, u0), g01 = Dot(u0, u1), g11 = Dot(u1, u1), b0 = Dot(u0, t), b1 = Dot(u1, t);
        double determinant = g00 * g11 - g01 * g01;
        double beta0 = (b0 * g11 - g01 * b1) / determinant, beta1 = (g00 * b1 - g01 * b0) / determinant;
        Assert.Equal(beta0, beta[0], 10);
        Assert.Equal(0, beta[1]);
        Assert.Equal(beta1, beta[2], 10);
        Assert.Equal(Math.Sqrt(1 - (b0 * beta0 + b1 * beta1)), residual, 10);
    }

    [Theory]
    [InlineData("1", null)]
    [InlineData("2", null)]
    [InlineData("3", null)]
    [InlineData("4", "is a cltool checkpoint of version 4; this cltool reads versions 1 to 3.")]
    public void A_checkpoint_reader_takes_the_older_version_and_names_the_versions_it_reads(string version, string? error)
    {
        using var temporary = new TemporaryDirectory();
        string path = temporary.File("stage.safetensors");
        var writer = new SafeTensorsWriter();
        writer.Metadata["format"] = ContinualCheckpoint.Format;
        writer.Metadata["version"] = version;
        writer.Add("x", [1f], [1]);
        writer.Save(path);
        using SafeTensorsFile file = SafeTensorsFile.Open(path);
        Exception? thrown = Record.Exception(() => ContinualCheckpoint.Header.Check(file));

        if (error is null) Assert.Null(thrown);
        else Assert.EndsWith(error, thrown!.Message);
    }
}
