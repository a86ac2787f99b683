namespace Cltool.Core.Continual;

/// <summary>
/// What one task cost: seconds of training (its epochs, summed over a resume), its parameters by group, and the process's
/// peak resident memory when the task ended (MB; the whole process so far, so a later task never shows less; null in runs
/// made before it was recorded or where /proc cannot be read).
/// </summary>
public sealed record TaskCost(double TrainingSeconds, ParameterGroup[] Parameters, double? PeakResidentMegabytes = null);
