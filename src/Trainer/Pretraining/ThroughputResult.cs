namespace Cltool.Trainer.Pretraining;

public sealed record ThroughputResult(string Data, string Model, int BatchSize, int Workers, double PipelineImagesPerSecond, double TrainerImagesPerSecond)
{
    /// <summary>How many times faster the data pipeline alone is than the training step alone (the target is at least 3).</summary>
    public double Ratio => PipelineImagesPerSecond / TrainerImagesPerSecond;
}
