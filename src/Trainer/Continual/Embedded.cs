using Cltool.Core.Continual;

namespace Cltool.Trainer.Continual;

/// <summary>A task's embeddings before it trained and the seconds they took (0 when read back on --resume).</summary>
public sealed record Embedded(TaskEmbeddings Embeddings, double Seconds);
