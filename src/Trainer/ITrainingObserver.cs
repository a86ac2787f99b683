namespace Cltool.Trainer;

/// <summary>Progress events of a training loop; the CLI renders them as bars or plain lines.</summary>
public interface ITrainingObserver
{
    void EpochStarted(int epoch, int epochs, int steps);
    void StepFinished(int epoch, int step, int steps, double loss, double learningRate, double imagesPerSecond);
    void EpochFinished(int epoch, double meanLoss, double heldOutAccuracy, double seconds);
    void Message(string text);
}
