using static TorchSharp.torch;

namespace Cltool.Trainer.Continual;

/// <summary>
/// The <see cref="ITaskInputs"/> of a timing benchmark (bench train), which has no dataset: its random images stand in
/// for the training images (InfLoRA's design measures them), and no class means are measured.
/// </summary>
public sealed class RandomImageInputs(ContinualModel model, Tensor images, int tasks) : ITaskInputs
{
    public int Tasks => tasks;

    public Tensor NewClassMeans() => throw new InvalidOperationException("A benchmark on random images measures no class means.");

    public void ForwardTrainingImages(int pass)
    {
        model.Eval();
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        model.Features(images);
    }
}
