using TorchSharp;
using static TorchSharp.torch;

namespace Cltool.Trainer.Models;

/// <summary>
/// Weight initialisers cltool cannot take from TorchSharp. TorchSharp 0.107's nn.init.trunc_normal_ fills the whole
/// tensor with the constant <c>std</c> (checked by a canary test): every head and hidden unit then starts identical
/// and a ViT barely learns. This is PyTorch's own method instead: uniform in [Φ(a), Φ(b)], inverse error function.
/// </summary>
public static class Initialisation
{
    public static Tensor TruncatedNormal_(Tensor tensor, double mean = 0, double std = 1, double a = -2, double b = 2)
    {
        using var _ = no_grad();
        double lower = NormalCdf((a - mean) / std), upper = NormalCdf((b - mean) / std);
        tensor.uniform_(2 * lower - 1, 2 * upper - 1);
        tensor.erfinv_();
        using Scalar scale = (std * Math.Sqrt(2)).ToScalar(), shift = mean.ToScalar(), min = a.ToScalar(), max = b.ToScalar();
        tensor.mul_(scale).add_(shift, Native.Scalars.One);
        return tensor.clamp_(min, max);
    }

    /// <summary>
    /// A LoRA down-projection [rank, dim] as PEFT and the official SD-LoRA code start it: kaiming_uniform(a=√5), which for
    /// a [rank, dim] weight is U(±1/√dim); drawn on the CPU from <paramref name="generator"/> so runs repeat on any device.
    /// </summary>
    public static Tensor LoraDown(int rank, int dim, Generator generator, Device device)
    {
        using Scalar bound = (1 / Math.Sqrt(dim)).ToScalar(), width = (2 / Math.Sqrt(dim)).ToScalar();
        using Tensor host = rand([rank, dim], generator: generator).mul_(width).sub_(bound);
        return host.to(device).requires_grad_(true);
    }

    static double NormalCdf(double x) => 0.5 * (1 + Erf(x / Math.Sqrt(2)));

    /// <summary>erf from the complementary error function's Chebyshev fit (Numerical Recipes erfcc), |rel. error| &lt; 1.2e-7.</summary>
    static double Erf(double x)
    {
        double z = Math.Abs(x), t = 1 / (1 + 0.5 * z);
        double erfc = t * Math.Exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
                      t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? 1 - erfc : erfc - 1;
    }
}
