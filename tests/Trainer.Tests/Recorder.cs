namespace Cltool.Trainer.Tests;

/// <summary>Records a training loop's events; optional hooks run on the training thread (to cancel, or to sample state).</summary>
sealed class Recorder(Action<int>? onEpochFinished = null, Action? onStepFinished = null, Action<string>? onMessage = null) : ITrainingObserver
{
    public List<string> Lines { get; } = [];
    public void EpochStarted(int epoch, int epochs, int steps) => Lines.Add($"start {epoch} {steps}");
    public void StepFinished(int epoch, int step, int steps, double loss, double learningRate, double imagesPerSecond) => onStepFinished?.Invoke();
    public void EpochFinished(int epoch, double meanLoss, double heldOutAccuracy, double seconds)
    {
        Lines.Add($"end {epoch}");
        onEpochFinished?.Invoke(epoch);
    }
    public void Message(string text)
    {
        Lines.Add(text);
        onMessage?.Invoke(text);
    }
}
