namespace Cltool.Core.Models;

/// <summary>
/// How well one frozen representation (a backbone's class token, or raw pixels) separates one dataset's classes: a
/// logistic regression trained on it and a nearest-class-mean cosine classifier (SimpleCIL's head) built from it.
/// </summary>
public sealed record ProbeResult(
    string Dataset,
    string Representation,
    int Classes,
    int TrainImages,
    int TestImages,
    double LinearTrainAccuracy,
    double LinearTestAccuracy,
    double PrototypeTestAccuracy);
