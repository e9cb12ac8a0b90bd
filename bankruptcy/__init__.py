"""Config-composed, leak-free experiments for corporate bankruptcy prediction."""

from bankruptcy import resolvers

resolvers.register()
