using Toolchain.Onnx.Proto;

namespace Toolchain.Bench;

/// <summary>
/// Rewrites of a generated train-step graph, to measure an optimisation before proposing it for the
/// artifact generator (the rewrite stands in for what the generator would emit). "baseline" is the graph
/// as generated; variants join with '+'. `toolchain-bench check-variant` shows a rewrite computes the same.
/// </summary>
public static class GraphVariants
{
    // Measured here and adopted by the generator since (commits 45d78aa, e4704fc): outputs written without
    // Identity copies; stride-1 conv dW as an im2col Gemm and dX as a Conv with the flipped kernel; ReLU's
    // gradient as a Mul. Their rewrites are gone; what is left are the proposals still open. The pooling
    // rewrites match the general MaxPool gradient (rerun with Indices + ScatterElements); since 83d054d windows
    // that tile the input (fashion-cnn's 2×2 stride 2) take a faster path in the generator, so on fashion-cnn
    // they find nothing to rewrite.
    public static readonly string[] Names = ["flat-adam", "pool-indices", "unpool", "pool-mask", "pool-resize"];

    public static ModelProto Apply(string name, ModelProto model)
    {
        var copy = model.Clone();
        var g = new Rewriter(copy.Graph);
        foreach (var part in name.Split('+'))
        {
            switch (part)
            {
                case "pool-indices": PoolIndices(g); break;
                case "unpool": Unpool(g); break;
                case "pool-mask": PoolMask(g, viaResize: false); break;
                case "pool-resize": PoolMask(g, viaResize: true); break;
                case "dropout-off": DropoutOff(g); break;
                case "flat-adam": FlatAdam(g); break;
                default: throw new ArgumentException($"--variant: unknown graph variant '{part}'; known: baseline, {string.Join(", ", Names)} (join with +)");
            }
            g.RemoveDead();
        }
        return copy;
    }

    /// <summary>Dropout ratio 0 (for check-variant only: dropout masks differ between sessions, so outputs would too).</summary>
    private static void DropoutOff(Rewriter g)
    {
        foreach (var d in g.Graph.Node.Where(n => n.OpType == "Dropout" && n.Input.Count > 1))
        {
            var zero = new TensorProto { Name = d.Name + "_bench_ratio0", DataType = (int)TensorProto.Types.DataType.Float };
            zero.FloatData.Add(0f);
            g.Graph.Initializer.Add(zero);
            d.Input[1] = zero.Name;
        }
    }

    /// <summary>
    /// Adam over one flat buffer instead of per parameter ("multi-tensor apply", as torch.optim's foreach and
    /// fused modes): every gradient, parameter and moment is flattened and concatenated, the twelve
    /// elementwise ops of the update run once over all of them, and Split hands each parameter its part.
    /// Same arithmetic in the same order, so the same bits; it costs seven extra copies (4 Concat, 3 Split)
    /// to save 12·(P − 1) node launches. Plain Adam only (no weight decay, no AMSGrad), as the recipes use.
    /// A generator would keep the flat layout across steps and save the copies too.
    /// </summary>
    private static void FlatAdam(Rewriter g)
    {
        var parameters = g.Graph.Output.Select(o => o.Name).Where(n => n.EndsWith(".exp_avg.next", StringComparison.Ordinal))
            .Select(n => n[..^".exp_avg.next".Length]).ToList();
        if (parameters.Count < 2) return;
        var grads = new List<string>();
        var sizes = new List<long>();
        var shapes = new List<long[]>();
        string? beta1 = null, oneMinusBeta1 = null, beta2 = null, oneMinusBeta2 = null, stepSize = null, epsTerm = null;
        foreach (var p in parameters)
        {
            var mNext = g.Producer(p + ".exp_avg.next")!;                        // Add(Mul(m, β1), Mul(g, 1 − β1))
            var mDecay = g.Producer(mNext.Input[0])!;
            var gScaled = g.Producer(mNext.Input[1])!;
            var vNext = g.Producer(p + ".exp_avg_sq.next")!;                     // Add(Mul(v, β2), Mul(Mul(g, g), 1 − β2))
            var vDecay = g.Producer(vNext.Input[0])!;
            var g2Scaled = g.Producer(vNext.Input[1])!;
            var pNext = g.Producer(p + ".next")!;                                // Sub(p, Mul(stepSize, Div(m', Add(Sqrt(v'), ε'))))
            var update = g.Producer(pNext.Input[1])!;
            var ratio = g.Producer(update.Input[1])!;
            var denominator = g.Producer(ratio.Input[1])!;
            if (mNext.OpType != "Add" || mDecay.Input[0] != p + ".exp_avg" || gScaled.OpType != "Mul" || pNext.OpType != "Sub" || denominator.OpType != "Add")
                throw new ArgumentException($"flat-adam: the update of '{p}' is not the plain Adam pattern");
            grads.Add(gScaled.Input[0]);
            (beta1, oneMinusBeta1, beta2, oneMinusBeta2) = (mDecay.Input[1], gScaled.Input[1], vDecay.Input[1], g2Scaled.Input[1]);
            (stepSize, epsTerm) = (update.Input[0], denominator.Input[1]);
            var shape = g.Graph.Input.First(i => i.Name == p).Type.TensorType.Shape.Dim.Select(d => d.DimValue).ToArray();
            shapes.Add(shape);
            sizes.Add(shape.Aggregate(1L, (a, b) => a * b));
            foreach (var output in new[] { p + ".next", p + ".exp_avg.next", p + ".exp_avg_sq.next" })
                g.Graph.Node.Remove(g.Producer(output)!);
        }
        var flat = g.Constant("flat_adam_flat", [-1]);
        string Concat(string name, IEnumerable<string> values)
        {
            var flattened = values.Select((v, i) =>
            {
                g.Graph.Node.Add(Rewriter.Node("Reshape", [v, flat], [$"{name}_{i}_flat"]));
                return $"{name}_{i}_flat";
            }).ToList();
            g.Graph.Node.Add(Rewriter.Node("Concat", flattened, [name], Rewriter.IntAttribute("axis", 0)));
            return name;
        }
        var G = Concat("flat_adam_g", grads);
        var P = Concat("flat_adam_p", parameters);
        var M = Concat("flat_adam_m", parameters.Select(p => p + ".exp_avg"));
        var V = Concat("flat_adam_v", parameters.Select(p => p + ".exp_avg_sq"));
        void Op(string op, string a, string b, string output) => g.Graph.Node.Add(Rewriter.Node(op, [a, b], [output]));
        Op("Mul", M, beta1!, "flat_adam_m_decay");
        Op("Mul", G, oneMinusBeta1!, "flat_adam_g_scaled");
        Op("Add", "flat_adam_m_decay", "flat_adam_g_scaled", "flat_adam_m_next");
        Op("Mul", V, beta2!, "flat_adam_v_decay");
        Op("Mul", G, G, "flat_adam_g2");
        Op("Mul", "flat_adam_g2", oneMinusBeta2!, "flat_adam_g2_scaled");
        Op("Add", "flat_adam_v_decay", "flat_adam_g2_scaled", "flat_adam_v_next");
        g.Graph.Node.Add(Rewriter.Node("Sqrt", ["flat_adam_v_next"], ["flat_adam_sqrt"]));
        Op("Add", "flat_adam_sqrt", epsTerm!, "flat_adam_denominator");
        Op("Div", "flat_adam_m_next", "flat_adam_denominator", "flat_adam_ratio");
        Op("Mul", stepSize!, "flat_adam_ratio", "flat_adam_update");
        Op("Sub", P, "flat_adam_update", "flat_adam_p_next");
        var split = g.Constant("flat_adam_split", sizes.ToArray());
        foreach (var (flatValue, suffix) in new[] { ("flat_adam_p_next", ".next"), ("flat_adam_m_next", ".exp_avg.next"), ("flat_adam_v_next", ".exp_avg_sq.next") })
        {
            var parts = parameters.Select(p => $"{flatValue}_{p}").ToList();
            g.Graph.Node.Add(Rewriter.Node("Split", [flatValue, split], parts, Rewriter.IntAttribute("axis", 0)));
            for (int i = 0; i < parameters.Count; i++)
                g.Graph.Node.Add(Rewriter.Node("Reshape", [parts[i], g.Constant($"flat_adam_shape_{parameters[i]}", shapes[i])], [parameters[i] + suffix]));
        }
        g.SortTopologically();
    }

    /// <summary>
    /// The MaxPool gradient reruns MaxPool with an Indices output on the forward input; instead the forward
    /// MaxPool emits Indices itself (as the rule already accepts), saving one pooling pass per layer.
    /// </summary>
    private static void PoolIndices(Rewriter g)
    {
        foreach (var again in g.Graph.Node.Where(n => n.OpType == "MaxPool" && n.Output.Count == 2).ToList())
        {
            var forward = g.Graph.Node.FirstOrDefault(n => n != again && n.OpType == "MaxPool" && n.Output.Count == 1 && n.Input[0] == again.Input[0]);
            if (forward is null) continue;
            forward.Output.Add(again.Output[1]);
            g.Graph.Node.Remove(again);
        }
        g.SortTopologically();
    }

    /// <summary>
    /// MaxPool's gradient for non-overlapping windows (kernel = stride = k, no padding, sizes divisible by k)
    /// without indices: view X as [N, C, H/k, k, W/k, k] and Y, dY as [N, C, H/k, 1, W/k, 1]; then
    /// dX = [X = Y] · dY by broadcasting, reshaped back. No MaxPool rerun (ONNX Runtime's MaxPool with an
    /// Indices output has no fast path) and no ScatterElements. Every element equal to its window's maximum
    /// gets dY, where PyTorch picks one: identical after a ReLU (tied zeros have no gradient there), and
    /// for exactly tied positive values a generator would add a first-maximum tie-break.
    /// </summary>
    /// <param name="viaResize">Upsample Y and dY to X's shape with Resize (nearest) and compare and multiply
    /// same-shaped tensors, instead of broadcasting size-1 inner axes (which ONNX Runtime runs element by element).</param>
    private static void PoolMask(Rewriter g, bool viaResize)
    {
        foreach (var scatter in g.Graph.Node.Where(n => n.OpType == "ScatterElements").ToList())
        {
            var indicesReshape = g.Producer(scatter.Input[1]);
            var dyReshape = g.Producer(scatter.Input[2]);
            var again = indicesReshape is null ? null : g.Producer(indicesReshape.Input[0]);
            var final = g.Consumers(scatter.Output[0]).SingleOrDefault(n => n.OpType == "Reshape");
            if (again is not { OpType: "MaxPool" } || dyReshape is null || final is null) continue;
            var forward = g.Graph.Node.FirstOrDefault(n => n != again && n.OpType == "MaxPool" && n.Output.Count == 1 && n.Input[0] == again.Input[0]);
            var kernel = Rewriter.Ints(again, "kernel_shape")!;
            var strides = Rewriter.Ints(again, "strides") ?? kernel.Select(_ => 1L).ToArray();
            var pads = Rewriter.Ints(again, "pads") ?? new long[2 * kernel.Length];
            if (forward is null || kernel.Length != 2 || !kernel.SequenceEqual(strides) || pads.Any(p => p != 0)
                || Rewriter.Int(again, "ceil_mode", 0) != 0 || (Rewriter.Ints(again, "dilations")?.Any(d => d != 1) ?? false)) continue;
            string x = again.Input[0], y = forward.Output[0], dy = dyReshape.Input[0], p = final.Output[0] + "_poolmask";
            long kh = kernel[0], kw = kernel[1];
            if (viaResize)
            {
                var scales = p + "_scales";
                if (g.Graph.Initializer.All(t => t.Name != scales))
                {
                    var t = new TensorProto { Name = scales, DataType = (int)TensorProto.Types.DataType.Float };
                    t.Dims.Add(4);
                    t.FloatData.AddRange([1f, 1f, kh, kw]);
                    g.Graph.Initializer.Add(t);
                }
                var resized = new List<NodeProto>
                {
                    Rewriter.Node("Resize", [y, "", scales], [p + "_yup"], new AttributeProto { Name = "mode", Type = AttributeProto.Types.AttributeType.String, S = Google.Protobuf.ByteString.CopyFromUtf8("nearest") }),
                    Rewriter.Node("Resize", [dy, "", scales], [p + "_dyup"], new AttributeProto { Name = "mode", Type = AttributeProto.Types.AttributeType.String, S = Google.Protobuf.ByteString.CopyFromUtf8("nearest") }),
                    Rewriter.Node("Equal", [x, p + "_yup"], [p + "_hit"]),
                    Rewriter.Node("Cast", [p + "_hit"], [p + "_mask"], Rewriter.IntAttribute("to", (long)TensorProto.Types.DataType.Float)),
                    Rewriter.Node("Mul", [p + "_mask", p + "_dyup"], [final.Output[0]]),
                };
                g.Graph.Node.Remove(final);
                g.Graph.Node.AddRange(resized);
                continue;
            }
            var nodes = new List<NodeProto>
            {
                Rewriter.Node("Shape", [y], [p + "_ys"]),
                Rewriter.Node("Slice", [p + "_ys", g.Constant(p + "_0", [0]), g.Constant(p + "_3", [3])], [p + "_nch"]),
                Rewriter.Node("Slice", [p + "_ys", g.Constant(p + "_3", [3]), g.Constant(p + "_4", [4])], [p + "_w"]),
                Rewriter.Node("Concat", [p + "_nch", g.Constant(p + "_kh", [kh]), p + "_w", g.Constant(p + "_kw", [kw])], [p + "_xshape"], Rewriter.IntAttribute("axis", 0)),
                Rewriter.Node("Concat", [p + "_nch", g.Constant(p + "_1", [1]), p + "_w", g.Constant(p + "_1", [1])], [p + "_yshape"], Rewriter.IntAttribute("axis", 0)),
                Rewriter.Node("Reshape", [x, p + "_xshape"], [p + "_x6"]),
                Rewriter.Node("Reshape", [y, p + "_yshape"], [p + "_y6"]),
                Rewriter.Node("Reshape", [dy, p + "_yshape"], [p + "_dy6"]),
                Rewriter.Node("Equal", [p + "_x6", p + "_y6"], [p + "_hit"]),
                Rewriter.Node("Cast", [p + "_hit"], [p + "_mask"], Rewriter.IntAttribute("to", (long)TensorProto.Types.DataType.Float)),
                Rewriter.Node("Mul", [p + "_mask", p + "_dy6"], [p + "_dx6"]),
                Rewriter.Node("Reshape", [p + "_dx6", final.Input[1]], [final.Output[0]]),
            };
            g.Graph.Node.Remove(final);
            g.Graph.Node.AddRange(nodes);
        }
        g.SortTopologically();
    }

    /// <summary>
    /// MaxPool's gradient for non-overlapping windows (kernel = stride, no padding) as one MaxUnpool of dY at
    /// the indices, instead of ConstantOfShape + ScatterElements(add) + Reshapes.
    /// </summary>
    private static void Unpool(Rewriter g)
    {
        foreach (var scatter in g.Graph.Node.Where(n => n.OpType == "ScatterElements").ToList())
        {
            var indicesReshape = g.Producer(scatter.Input[1]);
            var dyReshape = g.Producer(scatter.Input[2]);
            var pool = indicesReshape is null ? null : g.Producer(indicesReshape.Input[0]);
            var final = g.Consumers(scatter.Output[0]).SingleOrDefault(n => n.OpType == "Reshape");
            if (pool is not { OpType: "MaxPool" } || dyReshape is null || final is null || indicesReshape is null) continue;
            var kernel = Rewriter.Ints(pool, "kernel_shape")!;
            var strides = Rewriter.Ints(pool, "strides") ?? kernel.Select(_ => 1L).ToArray();
            var pads = Rewriter.Ints(pool, "pads") ?? new long[2 * kernel.Length];
            if (!kernel.SequenceEqual(strides) || pads.Any(p => p != 0) || (Rewriter.Ints(pool, "dilations")?.Any(d => d != 1) ?? false)) continue;
            var unpool = Rewriter.Node("MaxUnpool", [dyReshape.Input[0], indicesReshape.Input[0], final.Input[1]], [final.Output[0]],
                Rewriter.IntsAttribute("kernel_shape", kernel), Rewriter.IntsAttribute("strides", strides));
            g.Replace(final, unpool);
        }
    }
}

/// <summary>Small helpers over a GraphProto: producers, consumers, int64 constants, dead-node removal, ordering.</summary>
internal sealed class Rewriter(GraphProto graph)
{
    public GraphProto Graph { get; } = graph;

    public NodeProto? Producer(string value) => Graph.Node.FirstOrDefault(n => n.Output.Contains(value));

    public IEnumerable<NodeProto> Consumers(string value) => Graph.Node.Where(n => n.Input.Contains(value));

    public void Replace(NodeProto old, NodeProto replacement)
    {
        int i = Graph.Node.IndexOf(old);
        Graph.Node[i] = replacement;
        SortTopologically();
    }

    public string Constant(string name, long[] values)
    {
        if (Graph.Initializer.All(t => t.Name != name))
        {
            var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
            t.Dims.Add(values.Length);
            t.Int64Data.AddRange(values);
            Graph.Initializer.Add(t);
        }
        return name;
    }

    public static NodeProto Node(string op, IEnumerable<string> inputs, IEnumerable<string> outputs, params AttributeProto[] attributes)
    {
        var n = new NodeProto { OpType = op, Name = $"bench_{op}_{outputs.First()}" };
        n.Input.AddRange(inputs);
        n.Output.AddRange(outputs);
        n.Attribute.AddRange(attributes);
        return n;
    }

    public static AttributeProto IntsAttribute(string name, long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    public static AttributeProto IntAttribute(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static long[]? Ints(NodeProto n, string name) => n.Attribute.FirstOrDefault(a => a.Name == name)?.Ints.ToArray();

    public static long Int(NodeProto n, string name, long fallback) => n.Attribute.FirstOrDefault(a => a.Name == name)?.I ?? fallback;

    /// <summary>Removes nodes none of whose outputs is read or is a graph output, until none is left.</summary>
    public void RemoveDead()
    {
        var outputs = Graph.Output.Select(o => o.Name).ToHashSet();
        while (true)
        {
            var read = Graph.Node.SelectMany(n => n.Input).ToHashSet();
            var dead = Graph.Node.Where(n => !n.Output.Any(o => o.Length > 0 && (read.Contains(o) || outputs.Contains(o)))).ToList();
            if (dead.Count == 0) break;
            foreach (var n in dead) Graph.Node.Remove(n);
        }
        var used = Graph.Node.SelectMany(n => n.Input).ToHashSet();
        foreach (var t in Graph.Initializer.Where(t => !used.Contains(t.Name)).ToList()) Graph.Initializer.Remove(t);
    }

    public void SortTopologically()
    {
        var available = Graph.Input.Select(i => i.Name).Concat(Graph.Initializer.Select(t => t.Name)).Append("").ToHashSet();
        var pending = Graph.Node.ToList();
        var ordered = new List<NodeProto>();
        while (pending.Count > 0)
        {
            var ready = pending.Where(n => n.Input.All(available.Contains)).ToList();
            if (ready.Count == 0) throw new InvalidOperationException($"graph has a cycle or a missing value near {pending[0].Name}");
            foreach (var n in ready)
            {
                ordered.Add(n);
                foreach (var o in n.Output) available.Add(o);
                pending.Remove(n);
            }
        }
        Graph.Node.Clear();
        Graph.Node.AddRange(ordered);
    }
}
