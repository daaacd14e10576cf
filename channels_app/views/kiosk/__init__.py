"""The TouchWall kiosk: a store's wall screen, signed in with a device token."""
