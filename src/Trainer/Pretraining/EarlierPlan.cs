namespace Cltool.Trainer.Pretraining;

/// <summary>
/// A schedule a pretraining run followed before it was continued to more epochs: the plan's length in epochs and the
/// epoch count at which the run was continued (the epochs before it followed this plan's warm-up and cosine).
/// </summary>
public sealed record EarlierPlan(int Epochs, int ContinuedAt);
