package io.gemmaspark.jobs.prepare;

import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * An iterator whose items are made one at a time as they are asked for, so that a task streams its input instead
 * of holding a partition: the readers' records, the tokenizer jobs' documents.
 */
public abstract class LazyIterator<T> implements Iterator<T> {
    private T next;
    private boolean ended;

    /** The next item, or null when this step made none (a skipped record); calls {@link #end()} when there are no more. */
    protected abstract T produce();

    protected final void end() {
        ended = true;
    }

    @Override
    public final boolean hasNext() {
        while (next == null && !ended) {
            next = produce();
        }
        return next != null;
    }

    @Override
    public final T next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        T item = next;
        next = null;
        return item;
    }
}
