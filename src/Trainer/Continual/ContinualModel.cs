using Cltool.Core.Continual;
using Cltool.Core.Models;
using Cltool.Core.Weights;
using Cltool.Trainer.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Cltool.Trainer.Continual;

/// <summary>
/// The learner's network: a ViT backbone (no head), optional LoRA directions on q and v, and a linear head that grows by
/// the new classes at every task (PILOT's IncrementalNet with SimpleLinear: plain linear on the class-token feature).
/// </summary>
public sealed class ContinualModel : IDisposable
{
    public VisionTransformer Backbone { get; }
    /// <summary>The method's adapter on every block's qkv (null for methods that train the backbone or nothing).</summary>
    public IContinualAdapter? Adapter { get; }
    public Tensor HeadWeight { get; private set; }
    public Tensor HeadBias { get; private set; }
    readonly Device _device;

    /// <summary>A backbone from <paramref name="weights"/> with the method's <paramref name="adapter"/> (owned from now on) and an empty head.</summary>
    public ContinualModel(ViTConfig backbone, IReadOnlyDictionary<string, HostTensor> weights, IContinualAdapter? adapter, Device device)
    {
        _device = device;
        Backbone = new VisionTransformer(backbone.WithClasses(0));
        Backbone.LoadWeights(weights);
        Backbone.to(device);
        // Frozen until a method trains it (full fine-tuning): otherwise every backward pass would also compute the weight
        // gradient of every backbone linear, a third of a step's matmul work, for tensors no optimiser updates.
        TrainBackbone(false);
        Adapter = adapter;
        if (adapter is not null)
            foreach (Block block in Backbone.Blocks) block.Attention.Adapter = adapter;
        HeadWeight = zeros([0, backbone.Dim], device: device);
        HeadBias = zeros([0], device: device);
    }

    /// <summary>The model a checkpoint describes, every adapter tensor frozen: the stage as it was evaluated.</summary>
    public static ContinualModel FromCheckpoint(ContinualCheckpoint checkpoint, Device device)
    {
        ContinualMethod method = ContinualMethod.For(checkpoint.Recipe);
        var model = new ContinualModel(checkpoint.Config, checkpoint.Backbone, method.CreateAdapter(ShapeOf(checkpoint.Config), device), device);
        model.SetHead(checkpoint.HeadWeight, checkpoint.HeadBias);
        method.Restore(checkpoint, model, training: false);
        return model;
    }

    public static ViTShape ShapeOf(ViTConfig config) => new(config.Depth, config.Dim);

    /// <summary>The adapter as the method's own type.</summary>
    public T AdapterAs<T>() where T : IContinualAdapter =>
        Adapter is T adapter ? adapter : throw new InvalidOperationException($"The model has no {typeof(T).Name}.");

    public int SeenClasses => (int)HeadWeight.shape[0];

    public Tensor Features(Tensor images) => Backbone.ForwardFeatures(images);

    public Tensor Forward(Tensor images) => nn.functional.linear(Features(images), HeadWeight, HeadBias);

    /// <summary>
    /// The training loss of every method: cross-entropy over the logits of the task's <paramref name="fresh"/> new classes
    /// only (after the <paramref name="known"/> earlier ones), as the official code computes it; old head rows get no gradient.
    /// </summary>
    public Tensor NewClassLoss(Tensor images, Tensor targets, int known, int fresh) =>
        nn.functional.cross_entropy(Forward(images).narrow(1, known, fresh), targets);

    /// <summary>Freezes or unfreezes every backbone weight (full fine-tuning trains them; the LoRA methods do not).</summary>
    public void TrainBackbone(bool trainable)
    {
        foreach (var parameter in Backbone.parameters()) parameter.requires_grad_(trainable);
    }

    public IEnumerable<(string Name, Tensor Parameter)> BackboneParameters() =>
        Backbone.named_parameters().Select(pair => ("backbone." + pair.name, (Tensor)pair.parameter));

    public IEnumerable<(string Name, Tensor Parameter)> HeadParameters() => [("head.weight", HeadWeight), ("head.bias", HeadBias)];

    /// <summary>
    /// Adds rows for <paramref name="newClasses"/> classes: kaiming_uniform(nonlinearity='linear') = U(±√(3/dim)) and bias 0,
    /// as SimpleLinear does; the old rows are kept as they are.
    /// </summary>
    public void GrowHead(int newClasses, Generator generator)
    {
        long dim = HeadWeight.shape[1];
        using Scalar bound = Math.Sqrt(3.0 / dim).ToScalar(), width = (2 * Math.Sqrt(3.0 / dim)).ToScalar();
        using Tensor host = rand([newClasses, dim], generator: generator).mul_(width).sub_(bound);
        using Tensor rows = host.to(_device);
        using Tensor biases = zeros([newClasses], device: _device);
        using Tensor oldWeight = HeadWeight.detach(), oldBias = HeadBias.detach();
        ReplaceHead(cat([oldWeight, rows], 0), cat([oldBias, biases], 0));
    }

    public void SetHead(HostTensor weight, HostTensor bias) =>
        ReplaceHead(tensor(weight.Data, weight.Shape, device: _device), tensor(bias.Data, bias.Shape, device: _device));

    void ReplaceHead(Tensor weight, Tensor bias)
    {
        HeadWeight.Dispose();
        HeadBias.Dispose();
        HeadWeight = weight.requires_grad_(true);
        HeadBias = bias.requires_grad_(true);
    }

    public void Train() => Backbone.train();
    public void Eval() => Backbone.eval();

    public void Dispose()
    {
        Backbone.Dispose();
        Adapter?.Dispose();
        HeadWeight.Dispose();
        HeadBias.Dispose();
    }
}
