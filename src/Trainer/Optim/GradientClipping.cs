using TorchSharp;
using static TorchSharp.torch;

namespace Cltool.Trainer.Optim;

/// <summary>
/// torch.nn.utils.clip_grad_norm_: scales all gradients together so their global L2 norm is at most
/// <c>maxNorm</c>. Written with tensors only (no implicit Scalars; see Cltool.Trainer.Native.Scalars), and without a
/// host round-trip: the scale is min(1, maxNorm / (norm + 1e-6)) computed on the device.
/// </summary>
public static class GradientClipping
{
    public static void ClipNorm_(IEnumerable<Tensor> parameters, double maxNorm)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        Tensor[] gradients = parameters.Select(parameter => parameter.grad).OfType<Tensor>().ToArray();
        if (gradients.Length == 0) return;
        Tensor norm = stack(gradients.Select(gradient => linalg.vector_norm(gradient)).ToArray()).square().sum().sqrt();
        using Scalar epsilon = 1e-6.ToScalar(), limit = maxNorm.ToScalar(), one = 1.0.ToScalar();
        Tensor scale = norm.add(epsilon, Native.Scalars.One).reciprocal().mul(limit).clamp_max(one);
        foreach (Tensor gradient in gradients) gradient.mul_(scale);
    }
}
