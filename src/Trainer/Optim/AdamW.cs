using TorchSharp;
using static TorchSharp.torch;

// Every number passed to libtorch is an explicit Scalar that outlives the call; see Cltool.Trainer.Native.Scalars.

namespace Cltool.Trainer.Optim;

/// <summary>
/// AdamW exactly as torch.optim.AdamW (decoupled weight decay, bias-corrected moments), written out so that its
/// state is plain named tensors that go into a safetensors checkpoint and come back bit for bit.
/// </summary>
public sealed class AdamW : IOptimizer
{
    public sealed record Group(IReadOnlyList<(string Name, Tensor Parameter)> Parameters, double WeightDecay)
    {
        /// <summary>Every parameter of a module, by state-dict name, with one weight decay.</summary>
        public static Group All(nn.Module module, double weightDecay) => new(Named(module), weightDecay);
    }

    public static List<(string Name, Tensor Parameter)> Named(nn.Module module) =>
        module.named_parameters().Select(pair => (pair.name, (Tensor)pair.parameter)).ToList();

    readonly List<Group> _groups;
    readonly Dictionary<string, (Tensor ExpAvg, Tensor ExpAvgSq)> _state = new();
    readonly double _beta1, _beta2;
    readonly Scalar _beta1Scalar, _beta2Scalar, _oneMinusBeta1, _oneMinusBeta2, _eps;

    public long Steps { get; private set; }

    public AdamW(IEnumerable<Group> groups, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8)
    {
        _groups = groups.ToList();
        (_beta1, _beta2) = (beta1, beta2);
        (_beta1Scalar, _beta2Scalar) = (beta1.ToScalar(), beta2.ToScalar());
        (_oneMinusBeta1, _oneMinusBeta2, _eps) = ((1 - beta1).ToScalar(), (1 - beta2).ToScalar(), eps.ToScalar());
        foreach ((string name, Tensor parameter) in _groups.SelectMany(group => group.Parameters))
            _state[name] = (zeros_like(parameter).DetachFromDisposeScope(), zeros_like(parameter).DetachFromDisposeScope());
    }

    public void ZeroGrad()
    {
        foreach ((_, Tensor parameter) in _groups.SelectMany(group => group.Parameters)) parameter.grad?.zero_();
    }

    public void Step(double learningRate)
    {
        Steps++;
        double correction1 = 1 - Math.Pow(_beta1, Steps), correction2 = 1 - Math.Pow(_beta2, Steps);
        using Scalar stepSize = (-learningRate / correction1).ToScalar(), rootCorrection2 = Math.Sqrt(correction2).ToScalar();
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        foreach (Group group in _groups)
        {
            using Scalar decay = (1 - learningRate * group.WeightDecay).ToScalar();
            foreach ((string name, Tensor parameter) in group.Parameters)
            {
                Tensor? gradient = parameter.grad;
                if (gradient is null) continue;
                (Tensor expAvg, Tensor expAvgSq) = _state[name];
                parameter.mul_(decay);
                expAvg.mul_(_beta1Scalar).add_(gradient, _oneMinusBeta1);
                expAvgSq.mul_(_beta2Scalar).addcmul_(gradient, gradient, _oneMinusBeta2);
                Tensor denominator = expAvgSq.sqrt().div_(rootCorrection2).add_(_eps, Native.Scalars.One);
                parameter.addcdiv_(expAvg, denominator, stepSize);
            }
        }
    }

    /// <summary>The moments by parameter name, for checkpoints.</summary>
    public IEnumerable<(string Name, Tensor Value)> State() =>
        _state.SelectMany(pair => new[] { ($"{pair.Key}.exp_avg", pair.Value.ExpAvg), ($"{pair.Key}.exp_avg_sq", pair.Value.ExpAvgSq) });

    public void LoadState(Func<string, Tensor?> read, long steps)
    {
        using var _ = no_grad();
        foreach ((string name, (Tensor expAvg, Tensor expAvgSq)) in _state)
        {
            expAvg.copy_(read($"{name}.exp_avg") ?? throw Missing($"{name}.exp_avg"));
            expAvgSq.copy_(read($"{name}.exp_avg_sq") ?? throw Missing($"{name}.exp_avg_sq"));
        }
        Steps = steps;
    }

    static Core.Errors.CltoolException Missing(string name) => new($"The checkpoint lacks the optimizer state '{name}'.");

    public void Dispose()
    {
        foreach (Scalar scalar in new[] { _beta1Scalar, _beta2Scalar, _oneMinusBeta1, _oneMinusBeta2, _eps }) scalar.Dispose();
        foreach ((Tensor expAvg, Tensor expAvgSq) in _state.Values)
        {
            expAvg.Dispose();
            expAvgSq.Dispose();
        }
    }
}
