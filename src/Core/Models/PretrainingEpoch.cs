namespace Cltool.Core.Models;

/// <summary>One point of a pretraining run's learning curve, as the model card records it.</summary>
public sealed record PretrainingEpoch(int Epoch, long Images, double MeanLoss, double HeldOutAccuracy, double Seconds);
