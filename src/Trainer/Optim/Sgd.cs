using TorchSharp;
using static TorchSharp.torch;

namespace Cltool.Trainer.Optim;

/// <summary>
/// SGD exactly as torch.optim.SGD with dampening 0 and no Nesterov: g ← g + wd·p; the momentum buffer starts as the first
/// gradient, then b ← μ·b + g; p ← p − lr·b. The official SD-LoRA code uses it with μ = 0.9 and no weight decay.
/// Parameters without a gradient (frozen, or masked out of the loss) are skipped, as PyTorch does.
/// </summary>
public sealed class Sgd : IOptimizer
{
    readonly IReadOnlyList<(string Name, Tensor Parameter)> _parameters;
    readonly Dictionary<string, Tensor> _momentum = new();
    readonly Scalar _mu, _decay;
    readonly bool _hasMomentum, _hasDecay;

    public long Steps { get; private set; }

    public Sgd(IReadOnlyList<(string Name, Tensor Parameter)> parameters, double momentum, double weightDecay)
    {
        _parameters = parameters;
        (_mu, _decay) = (momentum.ToScalar(), weightDecay.ToScalar());
        (_hasMomentum, _hasDecay) = (momentum != 0, weightDecay != 0);
    }

    public void ZeroGrad()
    {
        foreach ((_, Tensor parameter) in _parameters) parameter.grad?.zero_();
    }

    public void Step(double learningRate)
    {
        Steps++;
        using Scalar negativeRate = (-learningRate).ToScalar();
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        foreach ((string name, Tensor parameter) in _parameters)
        {
            Tensor? gradient = parameter.grad;
            if (gradient is null) continue;
            Tensor update = _hasDecay ? gradient.add(parameter, _decay) : gradient;
            if (_hasMomentum)
            {
                if (_momentum.TryGetValue(name, out Tensor? buffer)) buffer.mul_(_mu).add_(update, Native.Scalars.One);
                else _momentum[name] = buffer = update.clone().DetachFromDisposeScope();
                update = buffer;
            }
            parameter.add_(update, negativeRate);
        }
    }

    public IEnumerable<(string Name, Tensor Value)> State() => _momentum.Select(pair => ($"{pair.Key}.momentum_buffer", pair.Value));

    public void LoadState(Func<string, Tensor?> read, long steps)
    {
        using var _ = no_grad();
        foreach (string name in _parameters.Select(p => p.Name))
        {
            Tensor? value = read($"{name}.momentum_buffer");
            if (value is not null) _momentum[name] = value.clone().DetachFromDisposeScope();
        }
        Steps = steps;
    }

    public void Dispose()
    {
        _mu.Dispose();
        _decay.Dispose();
        foreach (Tensor buffer in _momentum.Values) buffer.Dispose();
    }
}
