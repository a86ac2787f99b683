using Cltool.Trainer.Optim;
using static TorchSharp.torch;

namespace Cltool.Trainer.Tests;

public sealed class GradientClippingTests
{
    // Gradients [3, 0, 0] and [[4, 0], [0, 0]]: global norm 5.
    static (Tensor A, Tensor B) ParametersWithGradientNormFive()
    {
        Tensor a = zeros(3).requires_grad_(), b = zeros(2, 2).requires_grad_();
        using Tensor loss = a.mul(tensor(new float[] { 3, 0, 0 })).sum().add(b.mul(tensor(new float[,] { { 4, 0 }, { 0, 0 } })).sum());
        loss.backward();
        return (a, b);
    }

    [Fact]
    public void Gradients_over_the_limit_are_scaled_together_down_to_it()
    {
        (Tensor a, Tensor b) = ParametersWithGradientNormFive();

        GradientClipping.ClipNorm_([a, b], maxNorm: 1);

        Assert.Equal([0.6f, 0, 0], a.grad!.data<float>().ToArray(), new Tolerance(1e-6f));
        Assert.Equal([0.8f, 0, 0, 0], b.grad!.data<float>().ToArray(), new Tolerance(1e-6f));
    }

    [Fact]
    public void Gradients_within_the_limit_are_left_as_they_are()
    {
        (Tensor a, Tensor b) = ParametersWithGradientNormFive();

        GradientClipping.ClipNorm_([a, b], maxNorm: 10);

        Assert.Equal([3f, 0, 0], a.grad!.data<float>().ToArray());
        Assert.Equal([4f, 0, 0, 0], b.grad!.data<float>().ToArray());
    }

    sealed class Tolerance(float epsilon) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= epsilon;
        public int GetHashCode(float value) => 0;
    }
}
