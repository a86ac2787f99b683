namespace Cltool.Core.Continual;

/// <summary>
/// The numbers of one part of the model during a task: how many the optimiser updated while it trained, and how many a
/// checkpoint keeps after it. Groups: see <see cref="ParameterGroups"/>.
/// </summary>
public sealed record ParameterGroup(string Name, long Trainable, long Stored);
