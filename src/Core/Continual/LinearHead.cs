using Cltool.Core.Weights;

namespace Cltool.Core.Continual;

/// <summary>A linear head over the classes seen so far: weight [seen, dim] and bias [seen], rows in class-order position.</summary>
public sealed record LinearHead(HostTensor Weight, HostTensor Bias);
