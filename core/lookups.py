"""`field__any_of=<queryset>`: membership in a subquery that the database evaluates once, up front.

On PostgreSQL it is `field = ANY(ARRAY(subquery))`: the subquery becomes an InitPlan whose result the
planner can match against an index, where `field IN (subquery)` is planned as a filter applied row by
row (which, under ORDER BY … LIMIT, can mean walking a whole table). Elsewhere it is `IN (subquery)`.
"""

from django.db.models import Field, ForeignObject, Lookup


class AnyOf(Lookup):
    lookup_name = "any_of"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} IN {rhs}", (*lhs_params, *rhs_params)

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY(ARRAY{rhs})", (*lhs_params, *rhs_params)


# Foreign keys keep lookups of their own: register there too (`grid_id__any_of=…`).
Field.register_lookup(AnyOf)
ForeignObject.register_lookup(AnyOf)
