namespace Cltool.Core.Continual;

/// <summary>What a method measured about itself at the end of a task (SD-LoRA-KD's absorption, InfLoRA's subspace): printed, and kept in metrics.json.</summary>
public interface IMethodReport
{
    int Task { get; }

    /// <summary>One line for the training log.</summary>
    string Describe();
}
