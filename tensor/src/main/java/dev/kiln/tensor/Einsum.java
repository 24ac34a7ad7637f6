package dev.kiln.tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * PyTorch's einsum as a composition: a repeated label within one operand becomes a diagonal view,
 * a label that only one operand has and the output lacks is summed right away, and operands are
 * contracted left to right, each pair as one batched matmul of [batch, left, contracted] by
 * [batch, contracted, right] after a permute and a reshape. Gradients come from those ops' rules.
 * Labels are a-z and A-Z; "..." stands for the broadcast dims that the letters leave over.
 */
final class Einsum {
    private static final String OP = "einsum";
    /** Labels 0..51 are letters; 52 + k is the k-th ellipsis dim (counted from the first). */
    private static final int ELLIPSIS = 52;

    private Einsum() {
    }

    /** An operand being reduced: the tensor and one label per dim. */
    private record Term(Tensor t, List<Integer> labels) {
    }

    static Tensor einsum(String equation, List<Tensor> operands) {
        if (equation == null) {
            throw new IllegalArgumentException(OP + ": equation is null");
        }
        if (operands.isEmpty()) {
            throw new IllegalArgumentException(OP + ": expected at least one operand");
        }
        String eq = equation.replace(" ", "");
        int arrow = eq.indexOf("->");
        String lhs = arrow < 0 ? eq : eq.substring(0, arrow);
        String[] specs = lhs.split(",", -1);
        if (specs.length != operands.size()) {
            throw new IllegalArgumentException(OP + ": the equation \"" + equation + "\" names " + specs.length
                    + " operands but " + operands.size() + " were given");
        }
        Dispatch.device(OP, operands.toArray(new Tensor[0]));
        int ellipsisDims = 0;
        for (int i = 0; i < specs.length; i++) {
            if (specs[i].contains("...")) {
                ellipsisDims = Math.max(ellipsisDims, operands.get(i).dim() - (specs[i].length() - 3));
            }
        }
        List<Term> terms = new ArrayList<>();
        int[] counts = new int[ELLIPSIS + Math.max(ellipsisDims, 0)];
        for (int i = 0; i < specs.length; i++) {
            Tensor t = operands.get(i);
            if (i > 0) {
                Dispatch.sameDType(OP, operands.getFirst(), t);
            }
            if (operands.size() > 1) {
                // contractions are matmuls, which take floats
                Dispatch.requireFloat(OP, t);
            }
            List<Integer> labels = parse(equation, specs[i], t.dim(), ellipsisDims, "operand " + i);
            if (labels.size() != t.dim()) {
                throw new IllegalArgumentException(OP + ": operand " + i + " " + Shapes.str(t.shape()) + " has "
                        + t.dim() + " dims but its subscripts \"" + specs[i] + "\" name " + labels.size());
            }
            for (int l : new java.util.TreeSet<>(labels)) {
                counts[l]++;
            }
            terms.add(new Term(t, labels));
        }
        List<Integer> output;
        if (arrow >= 0) {
            output = parse(equation, eq.substring(arrow + 2), -1, ellipsisDims, "the output");
            for (int l : output) {
                if (counts[l] == 0) {
                    throw new IllegalArgumentException(OP + ": the output label " + name(l) + " of \"" + equation
                            + "\" appears in no operand");
                }
                if (output.indexOf(l) != output.lastIndexOf(l)) {
                    throw new IllegalArgumentException(OP + ": the output label " + name(l) + " of \"" + equation
                            + "\" repeats");
                }
            }
        } else {
            // implicit output: the ellipsis dims, then every letter used once, in alphabetical order
            output = new ArrayList<>();
            for (int k = 0; k < ellipsisDims; k++) {
                output.add(ELLIPSIS + k);
            }
            int[] total = new int[ELLIPSIS];
            for (Term term : terms) {
                for (int l : term.labels) {
                    if (l < ELLIPSIS) {
                        total[l]++;
                    }
                }
            }
            for (int l = 0; l < ELLIPSIS; l++) {
                if (total[l] == 1) {
                    output.add(l);
                }
            }
        }
        for (int i = 0; i < terms.size(); i++) {
            terms.set(i, diagonals(terms.get(i)));
        }
        checkSizes(equation, terms);
        Term acc = sumUnshared(terms.getFirst(), terms, 0, output);
        for (int i = 1; i < terms.size(); i++) {
            Term next = sumUnshared(terms.get(i), terms, i, output);
            acc = contract(acc, next, terms, i, output);
        }
        int[] perm = new int[output.size()];
        for (int k = 0; k < perm.length; k++) {
            perm[k] = acc.labels.indexOf(output.get(k));
        }
        return acc.t.dim() == 0 ? acc.t : acc.t.permute(perm);
    }

    private static List<Integer> parse(String equation, String spec, int rank, int ellipsisDims, String what) {
        List<Integer> labels = new ArrayList<>();
        int dots = spec.indexOf("...");
        if (dots >= 0 && spec.indexOf("...", dots + 1) >= 0) {
            throw new IllegalArgumentException(OP + ": " + what + " of \"" + equation + "\" has more than one \"...\"");
        }
        int letters = spec.length() - (dots >= 0 ? 3 : 0);
        for (int i = 0; i < spec.length(); i++) {
            if (i == dots) {
                int here = rank < 0 ? ellipsisDims : rank - letters;
                for (int k = ellipsisDims - here; k < ellipsisDims; k++) {
                    labels.add(ELLIPSIS + k);
                }
                i += 2;
                continue;
            }
            char c = spec.charAt(i);
            if (c >= 'a' && c <= 'z') {
                labels.add(26 + c - 'a');
            } else if (c >= 'A' && c <= 'Z') {
                labels.add(c - 'A');
            } else {
                throw new IllegalArgumentException(OP + ": invalid subscript '" + c + "' in " + what + " of \""
                        + equation + "\" (use a-z, A-Z and ...)");
            }
        }
        return labels;
    }

    private static String name(int label) {
        return label >= ELLIPSIS ? "..." : String.valueOf((char) (label < 26 ? 'A' + label : 'a' + label - 26));
    }

    /** A label repeated within one operand takes the diagonal (a view) until every label is distinct. */
    private static Term diagonals(Term term) {
        Tensor t = term.t;
        List<Integer> labels = new ArrayList<>(term.labels);
        for (int i = 0; i < labels.size(); i++) {
            int j = labels.lastIndexOf(labels.get(i));
            if (j != i) {
                if (t.size(i) != t.size(j)) {
                    throw new IllegalArgumentException(OP + ": label " + name(labels.get(i)) + " repeats over dims of "
                            + "sizes " + t.size(i) + " and " + t.size(j) + " in " + Shapes.str(term.t.shape()));
                }
                int l = labels.get(i);
                t = t.diagonal(0, i, j);
                labels.remove(j);
                labels.remove(i);
                labels.add(l);
                i = -1;
            }
        }
        return new Term(t, labels);
    }

    /** Every label must have one size, except that 1 broadcasts. */
    private static void checkSizes(String equation, List<Term> terms) {
        int[] sizes = new int[ELLIPSIS * 2 + 64];
        Arrays.fill(sizes, -1);
        for (Term term : terms) {
            for (int k = 0; k < term.labels.size(); k++) {
                int l = term.labels.get(k);
                int s = term.t.size(k);
                if (l >= sizes.length) {
                    continue;
                }
                if (sizes[l] == -1 || sizes[l] == 1) {
                    sizes[l] = s;
                } else if (s != 1 && s != sizes[l]) {
                    throw new IllegalArgumentException(OP + ": label " + name(l) + " of \"" + equation + "\" has size "
                            + sizes[l] + " in one operand and " + s + " in another");
                }
            }
        }
    }

    /** Sums the labels of terms[i] that no other operand and not the output use. */
    private static Term sumUnshared(Term term, List<Term> terms, int i, List<Integer> output) {
        List<Integer> keep = new ArrayList<>();
        List<Integer> sum = new ArrayList<>();
        for (int k = 0; k < term.labels.size(); k++) {
            int l = term.labels.get(k);
            if (output.contains(l) || usedElsewhere(l, terms, i)) {
                keep.add(l);
            } else {
                sum.add(k);
            }
        }
        if (sum.isEmpty()) {
            return term;
        }
        int[] dims = sum.stream().mapToInt(Integer::intValue).toArray();
        return new Term(term.t.sum(dims, false), keep);
    }

    private static boolean usedElsewhere(int label, List<Term> terms, int i) {
        for (int j = 0; j < terms.size(); j++) {
            if (j != i && terms.get(j).labels.contains(label)) {
                return true;
            }
        }
        return false;
    }

    /** a (operands 0..i−1 combined) with b = operand i: one batched matmul. */
    private static Term contract(Term a, Term b, List<Term> terms, int i, List<Integer> output) {
        List<Integer> batch = new ArrayList<>();
        List<Integer> summed = new ArrayList<>();
        List<Integer> left = new ArrayList<>();
        List<Integer> right = new ArrayList<>();
        for (int l : a.labels) {
            if (b.labels.contains(l)) {
                boolean later = false;
                for (int j = i + 1; j < terms.size(); j++) {
                    later |= terms.get(j).labels.contains(l);
                }
                (output.contains(l) || later ? batch : summed).add(l);
            } else {
                left.add(l);
            }
        }
        for (int l : b.labels) {
            if (!a.labels.contains(l)) {
                right.add(l);
            }
        }
        Tensor ta = broadcastShared(a, b);
        Tensor tb = broadcastShared(b, a);
        int[] batchSizes = sizes(ta, a.labels, batch);
        int[] leftSizes = sizes(ta, a.labels, left);
        int[] rightSizes = sizes(tb, b.labels, right);
        int bs = product(batchSizes);
        int ls = product(leftSizes);
        int rs = product(rightSizes);
        int cs = product(sizes(ta, a.labels, summed));
        Tensor ma = ta.permute(order(a.labels, batch, left, summed)).reshape(bs, ls, cs);
        Tensor mb = tb.permute(order(b.labels, batch, summed, right)).reshape(bs, cs, rs);
        int[] shape = new int[batch.size() + left.size() + right.size()];
        System.arraycopy(batchSizes, 0, shape, 0, batchSizes.length);
        System.arraycopy(leftSizes, 0, shape, batchSizes.length, leftSizes.length);
        System.arraycopy(rightSizes, 0, shape, batchSizes.length + leftSizes.length, rightSizes.length);
        List<Integer> labels = new ArrayList<>(batch);
        labels.addAll(left);
        labels.addAll(right);
        return new Term(ma.matmul(mb).reshape(shape), labels);
    }

    /** x's size-1 dims expanded to the other operand's size for the labels they share. */
    private static Tensor broadcastShared(Term x, Term other) {
        int[] target = x.t.shape();
        for (int k = 0; k < target.length; k++) {
            int j = other.labels.indexOf(x.labels.get(k));
            if (j >= 0 && target[k] == 1) {
                target[k] = other.t.size(j);
            }
        }
        return x.t.expand(target);
    }

    private static int[] sizes(Tensor t, List<Integer> labels, List<Integer> which) {
        int[] s = new int[which.size()];
        for (int k = 0; k < s.length; k++) {
            s[k] = t.size(labels.indexOf(which.get(k)));
        }
        return s;
    }

    private static int product(int[] sizes) {
        return Shapes.checkShape(OP, sizes);
    }

    @SafeVarargs
    private static int[] order(List<Integer> labels, List<Integer>... groups) {
        int[] perm = new int[labels.size()];
        int k = 0;
        for (List<Integer> g : groups) {
            for (int l : g) {
                perm[k++] = labels.indexOf(l);
            }
        }
        return perm;
    }
}
