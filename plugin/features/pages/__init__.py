"""The read side of the network's web pages (dashboard, consortium page, public profile) and the two
actions of the consortium page; the pages themselves are in ``plugin/web/pages/``."""
from plugin.kernel.feature import Feature
from plugin.kernel.usecase import UseCase

from plugin.features.pages import usecases

FEATURE = Feature(
    name="pages",
    use_cases=tuple(value for value in vars(usecases).values() if isinstance(value, UseCase)),
)
