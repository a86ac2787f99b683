namespace Cltool.Core.Continual;

/// <summary>What one task cost: seconds of training (its epochs, summed over a resume) and its parameters by group.</summary>
public sealed record TaskCost(double TrainingSeconds, ParameterGroup[] Parameters);
