using static TorchSharp.torch;

namespace Cltool.Trainer.Continual;

/// <summary>
/// What a method may run over the current task's data besides training on it, when the task starts and ends: the new
/// classes' feature means (SD-LoRA-KD, SimpleCIL) and passes of the training images through the model (InfLoRA measures
/// its adapter's inputs).
/// </summary>
public interface ITaskInputs
{
    /// <summary>The number of tasks of the run.</summary>
    int Tasks { get; }

    /// <summary>The class-token mean of each new class [n, dim] (float32, CPU).</summary>
    Tensor NewClassMeans();

    /// <summary>One pass of the task's training images through the model without gradient; <paramref name="pass"/> picks its augmentation draws.</summary>
    void ForwardTrainingImages(int pass);
}
