using TorchSharp;
using static TorchSharp.torch;

namespace Cltool.Trainer.Optim;

/// <summary>
/// AdamW exactly as torch.optim.AdamW (decoupled weight decay, bias-corrected moments), written out so that its
/// state is plain named tensors that go into a safetensors checkpoint and come back bit for bit.
/// </summary>
public sealed class AdamW : IDisposable
{
    public sealed record Group(IReadOnlyList<(string Name, Tensor Parameter)> Parameters, double WeightDecay);

    readonly List<Group> _groups;
    readonly Dictionary<string, (Tensor ExpAvg, Tensor ExpAvgSq)> _state = new();
    readonly double _beta1, _beta2, _eps;

    public long Steps { get; private set; }

    public AdamW(IEnumerable<Group> groups, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8)
    {
        _groups = groups.ToList();
        (_beta1, _beta2, _eps) = (beta1, beta2, eps);
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
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        foreach (Group group in _groups)
        foreach ((string name, Tensor parameter) in group.Parameters)
        {
            Tensor? gradient = parameter.grad;
            if (gradient is null) continue;
            (Tensor expAvg, Tensor expAvgSq) = _state[name];
            parameter.mul_(1 - learningRate * group.WeightDecay);
            expAvg.mul_(_beta1).add_(gradient, alpha: 1 - _beta1);
            expAvgSq.mul_(_beta2).addcmul_(gradient, gradient, value: 1 - _beta2);
            Tensor denominator = (expAvgSq.sqrt() / Math.Sqrt(correction2)).add_(_eps);
            parameter.addcdiv_(expAvg, denominator, value: -learningRate / correction1);
        }
    }

    /// <summary>The moments by parameter name, for checkpoints.</summary>
    public IEnumerable<(string Name, Tensor Value)> State() =>
        _state.SelectMany(pair => new[] { ($"{pair.Key}.exp_avg", pair.Value.ExpAvg), ($"{pair.Key}.exp_avg_sq", pair.Value.ExpAvgSq) });

    public void LoadState(Func<string, Tensor> read, long steps)
    {
        using var _ = no_grad();
        foreach ((string name, (Tensor expAvg, Tensor expAvgSq)) in _state)
        {
            expAvg.copy_(read($"{name}.exp_avg"));
            expAvgSq.copy_(read($"{name}.exp_avg_sq"));
        }
        Steps = steps;
    }

    public void Dispose()
    {
        foreach ((Tensor expAvg, Tensor expAvgSq) in _state.Values)
        {
            expAvg.Dispose();
            expAvgSq.Dispose();
        }
    }
}

/// <summary>Linear warm-up to the peak, then cosine decay to <c>minimum</c>; evaluated per optimisation step.</summary>
public sealed record WarmupCosine(double Peak, long WarmupSteps, long TotalSteps, double Minimum = 1e-6)
{
    public double At(long step)
    {
        if (step < WarmupSteps) return Peak * (step + 1) / WarmupSteps;
        double progress = (double)(step - WarmupSteps) / Math.Max(1, TotalSteps - WarmupSteps);
        return Minimum + (Peak - Minimum) * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(1, progress)));
    }
}
