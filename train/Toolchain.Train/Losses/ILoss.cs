using Toolchain.Graph;

namespace Toolchain.Train.Losses;

/// <summary>A loss as graph nodes: from the model's output and the labels to a scalar mean over the batch.</summary>
public interface ILoss
{
    string Name { get; }

    /// <summary>How the labels graph input is typed, given the model output's type.</summary>
    TensorType LabelType(TensorType output);

    Value Build(GraphBuilder graph, Value output, Value labels);
}
