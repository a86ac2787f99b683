using Cltool.NativeCompat;
using Cltool.Trainer.Native;
using TorchSharp;

namespace Cltool.Trainer.Tests;

/// <summary>Proves that libtorch loads in this test's own build output, which the build repaired.</summary>
public sealed class TorchSharpLoadTests
{
    [Fact]
    public void A_matmul_runs_through_libtorch_and_gives_the_exact_product()
    {
        using var a = torch.tensor(new float[] { 1, 2, 3, 4 }, [2, 2]);
        using var b = torch.tensor(new float[] { 5, 6, 7, 8 }, [2, 2]);

        using var product = a.matmul(b);

        Assert.Equal(new float[] { 19, 22, 43, 50 }, product.data<float>().ToArray());
    }

    [Fact]
    public void A_larger_random_matmul_agrees_with_a_managed_double_precision_product()
    {
        const int n = 64;
        using var generator = new torch.Generator(1993);
        using var a = torch.randn([n, n], generator: generator);
        using var b = torch.randn([n, n], generator: generator);
        float[] left = a.data<float>().ToArray(), right = b.data<float>().ToArray();

        using var product = a.matmul(b);
        float[] actual = product.data<float>().ToArray();

        for (int row = 0; row < n; row++)
            for (int column = 0; column < n; column++)
            {
                double expected = 0;
                for (int k = 0; k < n; k++) expected += (double)left[row * n + k] * right[k * n + column];
                Assert.InRange(actual[row * n + column], expected - 1e-3, expected + 1e-3);
            }
    }

    [Fact]
    public void The_environment_probe_reports_libtorch_2_10_and_the_repair_state()
    {
        TorchReport report = TorchEnvironment.Probe();

        Assert.True(report.Loaded, report.LoadError);
        Assert.Equal("2.10.0", report.LibTorchVersion);
        Assert.Equal("0.107.0", report.TorchSharpVersion);
        Assert.True(report.Threads >= 1);
        string expected = LibTorchSharpRepair.SystemNeedsRepair() ? "applied" : "not needed";
        Assert.StartsWith(expected, report.CompatibilityRepair);
        Assert.False(report.CudaUsable && report.CudaReason.Length == 0);
        if (!report.CudaUsable) Assert.Contains("TorchSharp-cpu", report.CudaReason);
    }
}
