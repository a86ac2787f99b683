namespace Cltool.Trainer.Continual;

/// <summary>What timing steps of one configuration measured: throughput and where the time went, per step.</summary>
public sealed record StepTiming(double ImagesPerSecond, double ForwardMs, double BackwardMs, double UpdateMs);
