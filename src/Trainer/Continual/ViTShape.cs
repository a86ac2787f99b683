namespace Cltool.Trainer.Continual;

/// <summary>The two numbers of a ViT an adapter needs.</summary>
public readonly record struct ViTShape(int Depth, int Dim);
