package io.gemmaspark.filtering;

/** Realistic documents shared by the filter tests. */
public final class Texts {
    private Texts() {
    }

    /** An encyclopedic article of the kind every filter must keep. */
    public static final String ENCYCLOPEDIA = """
            The river Severn is the longest river in Great Britain, at about 354 kilometres. It rises in the \
            Cambrian Mountains of mid Wales and flows through Shropshire, Worcestershire and Gloucestershire \
            before it reaches the Bristol Channel.

            Its drainage basin covers an area of more than eleven thousand square kilometres. The river is \
            known for the Severn bore, a tidal wave that travels upstream when the incoming tide is funnelled \
            into the narrowing estuary. Surfers have ridden the bore for several kilometres.

            The river has been an important trade route since Roman times. In the eighteenth century the \
            iron industry of Coalbrookdale used it to carry goods to the port of Bristol, and the first iron \
            bridge in the world was built across the gorge in 1779. Today the two Severn road bridges carry \
            the motorways between England and Wales.

            Several species of fish, including salmon, shad and eels, migrate through the estuary. \
            Conservation groups have worked with the water authorities to restore the passage of fish at \
            the weirs that were built during the industrial period.
            """;
}
