using Cltool.Core.Continual;

namespace Cltool.Trainer.Continual;

/// <summary>What a finished run reports.</summary>
public sealed record TrainResult(MetricsReport Metrics, string LastCheckpoint, double Seconds);
